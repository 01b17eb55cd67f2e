// The text-delta template may skip JSON.parse only where the full parse would give the decoder
// a plain delta with exactly that text (property tests over chunk shapes, escapes and random
// corruption); the common OpenAI chunk takes the fast path.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { OpenAiStreamDecoder } from '../../src/providers/openai/stream.js';
import { TextDeltaTemplate } from '../../src/providers/openai/text-delta-template.js';
import type { OaChunk } from '../../src/providers/openai/wire.js';
import type { ChatEvent } from '../../src/providers/types.js';

const text = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.string({ unit: 'binary', maxLength: 12 }),
  fc.constantFrom('"', '\\', '\n', '"}]}', 'é', '\u2028'),
);

/** A JSON string literal, written as JSON.stringify does or with every non-ASCII/special char \u-escaped. */
function literal(s: string, escapeAll: boolean): string {
  if (!escapeAll) return JSON.stringify(s);
  return '"' + s.replace(/[^\x20-\x7e]|["\\/]/g, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0')) + '"';
}

interface Shape {
  id: string;
  model: string;
  fingerprint: boolean;
  role: boolean;
  refusalNull: boolean;
  obfuscation: string | null;
  extra: string; // after content, inside delta: ',"refusal":"no"', tool calls, …
  finish: string;
  usage: string;
}

const shape = fc.record<Shape>({
  id: fc.string({ maxLength: 10 }),
  model: fc.constantFrom('gpt-4o', 'm'),
  fingerprint: fc.boolean(),
  role: fc.boolean(),
  refusalNull: fc.boolean(),
  obfuscation: fc.option(fc.string({ maxLength: 6 })),
  extra: fc.constantFrom(
    '',
    '',
    '',
    ',"refusal":"no"',
    ',"reasoning":"r"',
    ',"tool_calls":[{"index":0,"function":{"arguments":"{"}}]',
    ',"tool_calls":[]',
    ',"content":"dup"',
  ),
  finish: fc.constantFrom('null', 'null', 'null', '"stop"'),
  usage: fc.constantFrom('', '', ',"usage":null', ',"usage":{"prompt_tokens":1}'),
});

function chunk(s: Shape, contentLiteral: string): string {
  return (
    `{"id":${JSON.stringify(s.id)},"object":"chat.completion.chunk","created":1,"model":${JSON.stringify(s.model)}` +
    (s.fingerprint ? ',"system_fingerprint":"fp_1"' : '') +
    `,"choices":[{"index":0,"delta":{${s.role ? '"role":"assistant",' : ''}"content":${contentLiteral}${s.refusalNull ? ',"refusal":null' : ''}${s.extra}},"logprobs":null,"finish_reason":${s.finish}}]` +
    s.usage +
    (s.obfuscation === null ? '' : `,"obfuscation":${JSON.stringify(s.obfuscation)}`) +
    '}'
  );
}

/**
 * Everything a step leaves observable in a fresh decoder: its events, then what a following
 * tool-call-and-finish chunk gives (tool-call state) and the closing events (usage, finish).
 */
function observe(step: (d: OpenAiStreamDecoder) => ChatEvent[]): unknown {
  const d = new OpenAiStreamDecoder('p');
  try {
    const events = step(d);
    const after = d.push({
      choices: [
        { index: 0, delta: { tool_calls: [{ index: 0, id: 'i', function: { name: 'n', arguments: '' } }] }, finish_reason: 'stop' },
      ],
    });
    return { events, after, end: d.end() };
  } catch (err) {
    return { error: String(err) };
  }
}

/** What the decoder makes of a data payload parsed in full (undefined: not JSON). */
function decoded(data: string): unknown {
  let parsed: OaChunk;
  try {
    parsed = JSON.parse(data) as OaChunk;
  } catch {
    return undefined;
  }
  return observe((d) => d.push(parsed));
}

const viaTemplate = (t: string) => observe((d) => d.pushText(t, []));

describe('OpenAI text-delta template', () => {
  it('answers only what the full parse answers, on chunks of any shape and on corrupted ones', () => {
    const edit = fc.record({
      at: fc.nat(),
      ch: fc.constantFrom('"', '\\', '}', ',', 'a', ' ', 'é', '\u0000'),
      kind: fc.constantFrom('set', 'insert', 'delete'),
    });
    fc.assert(
      fc.property(
        shape,
        text.filter((t) => t !== ''),
        fc.boolean(),
        text,
        fc.boolean(),
        fc.array(edit, { maxLength: 3 }),
        (s, first, esc1, next, esc2, edits) => {
          const template = new TextDeltaTemplate();
          const learned = chunk(s, literal(first, esc1));
          template.learn(learned, JSON.parse(learned) as OaChunk);
          const chars = [...chunk(s, literal(next, esc2))];
          for (const e of edits) {
            const at = chars.length === 0 ? 0 : e.at % chars.length;
            if (e.kind === 'set') chars[at] = e.ch;
            else if (e.kind === 'insert') chars.splice(at, 0, e.ch);
            else chars.splice(at, 1);
          }
          const data = chars.join('');
          const t = template.match(data);
          if (t !== undefined) expect(viaTemplate(t)).toStrictEqual(decoded(data));
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('takes the fast path for the common chunk, whatever its text', () => {
    fc.assert(
      fc.property(
        shape,
        text.filter((t) => t !== ''),
        fc.boolean(),
        text,
        (s0, first, esc, next) => {
          const s = { ...s0, extra: '', finish: 'null', usage: '', obfuscation: null };
          const template = new TextDeltaTemplate();
          const learned = chunk(s, literal(first, esc));
          template.learn(learned, JSON.parse(learned) as OaChunk);
          expect(template.match(chunk(s, literal(next, false)))).toBe(next);
          expect(template.match(chunk(s, literal(next, true)))).toBe(next); // escapes: parsed literal only
        },
      ),
      { numRuns: 500 },
    );
  });

  it('learns nothing from chunks that are not plain text deltas', () => {
    const base: Shape = {
      id: 'c',
      model: 'm',
      fingerprint: false,
      role: false,
      refusalNull: false,
      obfuscation: null,
      extra: '',
      finish: 'null',
      usage: '',
    };
    for (const s of [
      { ...base, finish: '"stop"' },
      { ...base, usage: ',"usage":{"prompt_tokens":1}' },
      { ...base, extra: ',"refusal":"no"' },
      { ...base, extra: ',"tool_calls":[{"index":0,"function":{"arguments":"{"}}]' },
    ]) {
      const template = new TextDeltaTemplate();
      const data = chunk(s, '"x"');
      template.learn(data, JSON.parse(data) as OaChunk);
      expect(template.match(chunk(s, '"y"'))).toBeUndefined();
    }
    // A per-chunk field (OpenAI's obfuscation padding) makes every chunk differ: parsed in full.
    const template = new TextDeltaTemplate();
    const data = chunk({ ...base, obfuscation: 'ab' }, '"x"');
    template.learn(data, JSON.parse(data) as OaChunk);
    expect(template.match(chunk({ ...base, obfuscation: 'cd' }, '"y"'))).toBeUndefined();
    expect(template.match(chunk({ ...base, obfuscation: 'ab' }, '"y"'))).toBe('y');
  });
});
