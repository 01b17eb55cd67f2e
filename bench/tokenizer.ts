// Cost of the input-token estimate on the Route path: the chars/4 heuristic vs o200k_base
// (js-tiktoken through src/routing/tokenizer.ts), for a short prompt and a 20 KB one.
// "repeat": the same prompt every call (the pre-token memo is warm, as in bench:route);
// "fresh": a prompt never seen before on every call (every new word pays a byte-pair merge).
//
//   npx tsx bench/tokenizer.ts
import { readFileSync } from 'node:fs';
import { estimateInputTokens, type EstimableMessage } from '../src/routing/estimate.js';
import { countInputTokens, loadTokenizer } from '../src/routing/tokenizer.js';

const corpus = readFileSync(new URL('../README.md', import.meta.url), 'utf8').replace(/\s+/g, ' ');
const t0 = performance.now();
await loadTokenizer('o200k_base');
const loadMs = performance.now() - t0;

let salt = 0;
/** A prompt of `chars` characters from the README; "fresh" ones get unseen words mixed in. */
function prompt(chars: number, fresh: boolean): EstimableMessage[] {
  const start = (salt * 7919) % Math.max(1, corpus.length - chars);
  let text = corpus.slice(start, start + chars);
  if (fresh) text = text.replace(/ (\w)/g, (_m, c: string) => ` ${c}${(salt++).toString(36)}`).slice(0, chars);
  return [
    { role: 'system', content: 'You are a concise assistant.', parts: [], toolCalls: [] },
    { role: 'user', content: text, parts: [], toolCalls: [] },
  ];
}

function measure(label: string, make: () => EstimableMessage[], f: (m: EstimableMessage[]) => unknown, minMs = 1500): number {
  const inputs = Array.from({ length: 200 }, make);
  for (let i = 0; i < 50; i++) f(inputs[i % inputs.length]!);
  let n = 0;
  const start = performance.now();
  while (performance.now() - start < minMs) f(inputs[n++ % inputs.length]!);
  const us = ((performance.now() - start) / n) * 1000;
  console.log(`${label.padEnd(42)} ${us.toFixed(1).padStart(9)} µs/call`);
  return us;
}

console.log(`o200k_base encoder built in ${loadMs.toFixed(0)} ms`);
const out: Record<string, number> = {};
for (const [name, chars] of [
  ['short (300 chars)', 300],
  ['20 KB', 20_000],
] as const) {
  out[`heuristic ${name}`] = measure(
    `chars/4 heuristic, ${name}`,
    () => prompt(chars, false),
    (m) => estimateInputTokens(m),
  );
  out[`o200k repeat ${name}`] = measure(
    `o200k_base, ${name}, repeated prompt`,
    () => prompt(chars, false),
    (m) => countInputTokens(m, 'o200k_base'),
  );
  out[`o200k fresh ${name}`] = measure(
    `o200k_base, ${name}, unseen words`,
    () => prompt(chars, true),
    (m) => countInputTokens(m, 'o200k_base'),
  );
}
console.log(
  JSON.stringify({
    bench: 'tokenizer',
    loadMs: Math.round(loadMs),
    microsecondsPerCall: Object.fromEntries(Object.entries(out).map(([k, v]) => [k, Math.round(v * 10) / 10])),
  }),
);
