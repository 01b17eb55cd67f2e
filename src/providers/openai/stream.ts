// Turns the family's SSE chunks into ChatEvents in the order types.ts promises: deltas and
// tool-call fragments as they come, then one usage, then one finish. finish_reason usually
// arrives before the usage chunk, and vLLM can report usage on every chunk, so both are held
// until the stream ends ([DONE] or body end) and emitted last. [DONE] is not required: once
// finish_reason has come, a body that ends (or breaks off) without it still finishes, as the
// official SDK's stream helper completes a message without it.
import { UpstreamError } from '../errors.js';
import type { ChatEvent, FinishReason, Usage } from '../types.js';
import { extractError, toFinishReason, toUsage } from './map.js';
import type { OaChunk, OaToolCallDelta } from './wire.js';

export class OpenAiStreamDecoder {
  #finish: FinishReason | undefined;
  #usage: Usage | undefined;
  #sawToolCall = false;
  /** Tool-call indexes already announced (their id/name went out with the first fragment). */
  readonly #started = new Set<number>();

  constructor(private readonly provider: string) {}

  /** finish_reason has arrived: what may still be missing is the usage chunk and [DONE]. */
  get terminal(): boolean {
    return this.#finish !== undefined;
  }

  /**
   * Events for one parsed `data:` payload, appended to `out` (a batch being built) and
   * returned. Throws on an in-band error, before appending anything for that payload.
   */
  push(chunk: OaChunk, out: ChatEvent[] = []): ChatEvent[] {
    if (chunk.error) throw inStreamError(chunk.error, this.provider);
    if (chunk.usage) this.#usage = toUsage(chunk.usage);
    // n > 1 is not part of the domain: only the first choice is read.
    const choice = chunk.choices?.find(isFirstChoice);
    if (!choice) return out;
    const fr = choice.finish_reason;
    if (fr === 'error') {
      // OpenRouter without an error object: still a failed generation, not a normal end.
      throw new UpstreamError('server_error', 'upstream ended the generation with finish_reason "error"', {
        provider: this.provider,
      });
    }
    const d = choice.delta ?? {};
    const text = (d.content ?? '') + (d.refusal ?? '');
    const reasoning = d.reasoning ?? d.reasoning_content ?? '';
    if (text !== '' || reasoning !== '') {
      out.push(reasoning !== '' ? { type: 'delta', text, reasoning } : { type: 'delta', text });
    }
    const calls = d.tool_calls ?? NO_CALLS;
    for (let pos = 0; pos < calls.length; pos++) {
      const tc = calls[pos]!;
      const index = tc.index ?? pos;
      const ev: Extract<ChatEvent, { type: 'tool_call' }> = {
        type: 'tool_call',
        index,
        argumentsDelta: tc.function?.arguments ?? '',
      };
      // Some servers repeat id/name on every fragment; the domain wants them once.
      if (!this.#started.has(index)) {
        this.#started.add(index);
        if (tc.id !== undefined) ev.id = tc.id;
        if (tc.function?.name !== undefined) ev.name = tc.function.name;
      }
      this.#sawToolCall = true;
      out.push(ev);
    }
    if (fr) this.#finish = toFinishReason(fr);
    return out;
  }

  /**
   * The events of a chunk known to be a plain text delta (text-delta-template.ts) without
   * its parsed form: exactly what push() gives for it.
   */
  pushText(text: string, out: ChatEvent[]): ChatEvent[] {
    if (text !== '') out.push({ type: 'delta', text });
    return out;
  }

  /** The closing events; throws stream_interrupted when no finish_reason was seen. */
  end(): ChatEvent[] {
    if (this.#finish === undefined) {
      throw new UpstreamError('stream_interrupted', 'upstream stream ended without a finish_reason', {
        provider: this.provider,
      });
    }
    // Accumulated tool calls are authoritative: some models end a tool-call turn with "stop".
    const reason = this.#sawToolCall && this.#finish === 'stop' ? 'tool_calls' : this.#finish;
    const out: ChatEvent[] = [];
    if (this.#usage) out.push({ type: 'usage', usage: this.#usage });
    out.push({ type: 'finish', reason });
    return out;
  }
}

// Hoisted: a closure or an empty array per payload is garbage per token.
const NO_CALLS: readonly OaToolCallDelta[] = [];
const isFirstChoice = (c: { index?: number }): boolean => (c.index ?? 0) === 0;

function inStreamError(error: NonNullable<OaChunk['error']>, provider: string): UpstreamError {
  const e = extractError({ error }, 'upstream reported an error mid-stream');
  const details: UpstreamError['details'] = { provider };
  if (e.code !== undefined) details.upstreamCode = e.code;
  if (e.status !== undefined) details.status = e.status;
  if (e.contentFiltered) return new UpstreamError('content_filtered', e.message, details);
  if (e.code === 'context_length_exceeded' || e.code === 'exceed_context_size_error') {
    return new UpstreamError('context_length_exceeded', e.message, details);
  }
  const s = e.status;
  const code = e.code ?? '';
  const kind =
    s === 429 || /rate_limit/.test(code)
      ? 'rate_limited'
      : s === 503 || s === 529 || /overload|unavailable/.test(code)
        ? 'overloaded'
        : s === 401 || s === 403 || /auth|permission/.test(code)
          ? 'auth'
          : s !== undefined && s >= 400 && s < 500
            ? 'bad_request'
            : 'server_error';
  return new UpstreamError(kind, e.message, details);
}
