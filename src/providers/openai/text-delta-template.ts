// Reads the stream's plain text-delta chunks without JSON.parse.
//
// Why: an OpenAI-family stream is mostly chunks that differ only in the delta's text, e.g.
//   {"id":"chatcmpl-…","object":"chat.completion.chunk","created":…,"model":"gpt-4o",
//    "system_fingerprint":"fp_…","choices":[{"index":0,"delta":{"content":" tok"},
//    "logprobs":null,"finish_reason":null}]}
// and JSON.parse of each was the largest single cost of a streamed Chat on the gateway when
// profiled: a whole object graph built per token to learn one short string.
//
// How, exactly: the first plain text delta is parsed in full (it always is), and the bytes
// around its text literal become the template — but only once a probe proves that literal is
// the one that sets choices[0].delta.content: the template with another literal in its place
// must parse to the same chunk except for that text. A later chunk that starts and ends with
// the same bytes and holds exactly one JSON string literal between them then parses, by the
// JSON grammar, to the same chunk with that string as its text, so the decoder's answer for it
// is that text and nothing else (a plain delta sets no usage, finish or tool-call state).
// Anything else — another shape, a per-chunk field such as OpenAI's `obfuscation`, an escape
// the fast check does not take — is parsed in full, as before.
import type { OaChunk } from './wire.js';

/** A JSON string literal with nothing to unescape: its text is what is between the quotes. */
const PLAIN_LITERAL = /^"[^"\\\u0000-\u001f]*"$/;
/** Learning costs a parse and two stringifies: a stream whose shape keeps changing stops trying. */
const MAX_LEARN_ATTEMPTS = 4;
const PROBE = '\u0001';
const CONTENT_KEY = '"content":';

export class TextDeltaTemplate {
  #prefix = '';
  #suffix = '';
  #attempts = 0;

  /** The delta text of a chunk shaped like the learned one, or undefined: parse it in full. */
  match(data: string): string | undefined {
    const prefix = this.#prefix;
    const suffix = this.#suffix;
    if (prefix === '' || data.length < prefix.length + suffix.length + 2) return undefined;
    // Compared as slices: String.prototype.startsWith with a long prefix measured an order of
    // magnitude slower than a slice and === once its call site saw several string representations.
    if (data.slice(0, prefix.length) !== prefix || data.slice(data.length - suffix.length) !== suffix) return undefined;
    const literal = data.slice(prefix.length, data.length - suffix.length);
    if (PLAIN_LITERAL.test(literal)) return literal.slice(1, -1);
    try {
      const text: unknown = JSON.parse(literal); // escapes; or not one literal at all
      return typeof text === 'string' ? text : undefined;
    } catch {
      return undefined;
    }
  }

  /** Offers a chunk that was parsed in full; a plain text delta may become the template. */
  learn(data: string, chunk: OaChunk): void {
    if (this.#attempts >= MAX_LEARN_ATTEMPTS || !isPlainTextDelta(chunk)) return;
    this.#attempts++;
    const text = chunk.choices![0]!.delta!.content as string;
    // The one `"content":` key (inside a JSON string a quote is always escaped, so this
    // sequence is a key), then its literal, however the upstream escaped it.
    const at = data.indexOf(CONTENT_KEY);
    if (at < 0 || data.indexOf(CONTENT_KEY, at + 1) >= 0) return;
    const start = at + CONTENT_KEY.length;
    if (data[start] !== '"') return;
    let end = start + 1;
    while (end < data.length && data[end] !== '"') end += data[end] === '\\' ? 2 : 1;
    if (end >= data.length) return;
    const prefix = data.slice(0, start);
    const suffix = data.slice(end + 1);
    let probe: OaChunk;
    try {
      probe = JSON.parse(prefix + JSON.stringify(PROBE) + suffix) as OaChunk;
    } catch {
      return;
    }
    if (!isPlainTextDelta(probe) || probe.choices![0]!.delta!.content !== PROBE) return;
    probe.choices![0]!.delta!.content = text;
    if (JSON.stringify(probe) !== JSON.stringify(chunk)) return;
    this.#prefix = prefix;
    this.#suffix = suffix;
  }
}

/**
 * A chunk whose only effect on OpenAiStreamDecoder is one text delta: one first choice, no
 * finish, error or usage, a non-empty string content and no refusal, reasoning or tool calls.
 */
export function isPlainTextDelta(c: OaChunk): boolean {
  if (typeof c !== 'object' || c === null || c.error || c.usage) return false;
  const choices = c.choices;
  if (!Array.isArray(choices) || choices.length !== 1) return false;
  const choice = choices[0];
  if (typeof choice !== 'object' || choice === null || (choice.index ?? 0) !== 0 || choice.finish_reason) return false;
  const d = choice.delta;
  if (typeof d !== 'object' || d === null) return false;
  if (typeof d.content !== 'string' || d.content === '') return false;
  const empty = (v: unknown) => v === undefined || v === null || v === '';
  if (!empty(d.refusal) || !empty(d.reasoning) || !empty(d.reasoning_content)) return false;
  return d.tool_calls === undefined || d.tool_calls === null || (Array.isArray(d.tool_calls) && d.tool_calls.length === 0);
}
