// Chat events → Anthropic's Messages stream: message_start (id msg_<decisionId>, the routed
// model), content_block_start/delta/stop per block (text_delta, thinking_delta, a tool_use's
// input as input_json_delta), message_delta (stop_reason and usage), message_stop. Each frame
// is `event: <type>` + `data: {...}` with the same type, as Anthropic sends.
//
// Nothing is written until the call's first content (or its clean end): until then a failure
// is still an HTTP error with its own status, the same failover point as gRPC's. After it, a
// failure is one `event: error` frame in Anthropic's shape, never a silent cut.
//
// The upstream's usage arrives at the end, so message_start says 0 input tokens and
// message_delta carries the real counts (Anthropic's clients take message_delta's counts as
// the message's totals).
import type { ChatCallEvent } from '../../calls/chat.js';
import type { FinishReason, Usage } from '../../providers/types.js';
import { DECISION_HEADER, sendError } from '../http-api/http.js';
import { SseWriter } from '../http-api/sse.js';
import type { NodeResponse } from '../http-server.js';
import type { AnthropicHttpError } from './errors.js';

export interface MessageMeta {
  /** `msg_<decisionId>`. */
  id: string;
  /** The routed model id (the one that served, after any failover). */
  model: string;
  decisionId: string;
}

const STOP_REASON: Record<FinishReason, string> = {
  stop: 'end_turn',
  length: 'max_tokens',
  tool_calls: 'tool_use',
  content_filter: 'refusal',
};
export const stopReasonOf = (r: string): string => STOP_REASON[r as FinishReason] ?? 'end_turn';

/** Anthropic counts cached input apart from input_tokens; the domain's inputTokens is the whole prompt. */
export function usageToAnthropic(u: Usage | undefined) {
  return {
    input_tokens: u ? u.inputTokens - u.cachedInputTokens : 0,
    output_tokens: u?.outputTokens ?? 0,
    cache_creation_input_tokens: null,
    cache_read_input_tokens: u ? u.cachedInputTokens : null,
  };
}

type Kind = 'text' | 'thinking' | 'tool_use';

export class MessagesSse {
  readonly #sse: SseWriter;
  #next = 0;
  #kind: Kind | undefined;
  /** Open blocks: their indices; tool_use blocks by the call's index, as fragments may interleave. */
  #open = new Map<string, number>();

  constructor(
    private readonly res: NodeResponse,
    private readonly meta: MessageMeta,
  ) {
    this.#sse = new SseWriter(res);
  }

  #event(type: string, payload: Record<string, unknown>): Promise<void> {
    return this.#sse.frame(JSON.stringify({ type, ...payload }), type);
  }

  async #start(): Promise<void> {
    if (this.#sse.started) return;
    this.#sse.start({ [DECISION_HEADER]: this.meta.decisionId });
    const message = {
      id: this.meta.id,
      type: 'message',
      role: 'assistant',
      model: this.meta.model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: usageToAnthropic(undefined),
    };
    await this.#event('message_start', { message });
  }

  async #closeAll(): Promise<void> {
    for (const index of [...this.#open.values()].sort((a, b) => a - b)) await this.#event('content_block_stop', { index });
    this.#open.clear();
    this.#kind = undefined;
  }

  /** The block for `key`, opened (after closing blocks of another kind) when it is new. */
  async #block(kind: Kind, key: string, contentBlock: Record<string, unknown>): Promise<number> {
    if (this.#kind !== kind) await this.#closeAll();
    let index = this.#open.get(key);
    if (index === undefined) {
      index = this.#next++;
      this.#open.set(key, index);
      this.#kind = kind;
      await this.#event('content_block_start', { index, content_block: contentBlock });
    }
    return index;
  }

  async content(e: Extract<ChatCallEvent, { type: 'delta' | 'tool_call' }>): Promise<void> {
    await this.#start();
    if (e.type === 'tool_call') {
      const block = { type: 'tool_use', id: e.id ?? '', name: e.name ?? '', input: {} };
      const index = await this.#block('tool_use', `tool:${e.index}`, block);
      if (e.argumentsDelta !== '') {
        await this.#event('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json: e.argumentsDelta } });
      }
      return;
    }
    if (e.reasoning) {
      const index = await this.#block('thinking', 'thinking', { type: 'thinking', thinking: '', signature: '' });
      await this.#event('content_block_delta', { index, delta: { type: 'thinking_delta', thinking: e.reasoning } });
    }
    if (e.text !== '') {
      const index = await this.#block('text', 'text', { type: 'text', text: '' });
      await this.#event('content_block_delta', { index, delta: { type: 'text_delta', text: e.text } });
    }
  }

  /** The clean end: the open blocks' stops, message_delta with stop_reason and usage, message_stop. */
  async finish(reason: string, usage: Usage | undefined): Promise<void> {
    await this.#start();
    await this.#closeAll();
    const u = usageToAnthropic(usage);
    await this.#event('message_delta', { delta: { stop_reason: stopReasonOf(reason), stop_sequence: null }, usage: u });
    await this.#event('message_stop', {});
    this.#sse.end();
  }

  /** A failure: an HTTP error before the first frame, an `event: error` frame after it. */
  async fail(err: AnthropicHttpError): Promise<void> {
    if (!this.#sse.started) {
      sendError(this.res, err, { [DECISION_HEADER]: this.meta.decisionId || undefined });
      return;
    }
    await this.#sse.frame(JSON.stringify(err.body), 'error');
    this.#sse.end();
  }
}
