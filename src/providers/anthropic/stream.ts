// Pure mapping, Anthropic stream events → domain ChatEvents, and Anthropic error types →
// UpstreamError kinds. Stateful only per stream (block index → tool-call index, usage so far),
// so it is fed SSE messages one by one and tested against the recorded streams.
//
// Dispatch is by the SSE `event:` name, as the official SDKs do: unnamed and unknown events
// are ignored (the API may add event types). Usage and finish are emitted at `message_stop`,
// or, when the body ends without it, from a `message_delta` that carried a stop reason: that
// event is the message's terminal information (stop reason and final output tokens), and the
// official SDK's MessageStream likewise builds a complete message from it without needing
// `message_stop`. A body that ends before any stop reason is `stream_interrupted`.
import { UpstreamError, type UpstreamErrorKind } from '../errors.js';
import type { SseMessage } from '../framing/sse.js';
import type { ChatEvent, FinishReason, Usage } from '../types.js';
import type { StopReason, StreamEvent, WireUsage } from './wire.js';

const PROMPT_TOO_LONG = /prompt is too long|context window|too many tokens/i;

/** Anthropic `error.type` → kind (in-stream errors have no HTTP status to go by). */
export function errorKind(type: string | undefined, message: string): UpstreamErrorKind {
  switch (type) {
    case 'overloaded_error':
      return 'overloaded';
    case 'rate_limit_error':
      return 'rate_limited';
    case 'api_error':
      return 'server_error';
    case 'timeout_error':
      return 'timeout';
    case 'authentication_error':
    case 'permission_error':
    case 'billing_error':
      return 'auth';
    case 'not_found_error':
      return 'not_found';
    case 'request_too_large':
      return 'context_length_exceeded';
    case 'invalid_request_error':
      return PROMPT_TOO_LONG.test(message) ? 'context_length_exceeded' : 'bad_request';
    default:
      return 'server_error';
  }
}

export function finishReason(stop: StopReason | null | undefined): FinishReason {
  switch (stop) {
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return 'length';
    case 'tool_use':
      return 'tool_calls';
    case 'refusal':
      return 'content_filter';
    default:
      // end_turn, stop_sequence, pause_turn (the server paused a long tool loop: the turn is
      // over as far as this caller can tell), or absent.
      return 'stop';
  }
}

const KNOWN = new Set([
  'message_start',
  'content_block_start',
  'content_block_delta',
  'content_block_stop',
  'message_delta',
  'message_stop',
  'error',
]);

export class AnthropicStreamDecoder {
  private readonly toolIndex = new Map<number, number>();
  /** Tool blocks that produced no argument text yet (an empty input must still read as `{}`). */
  private readonly noArgs = new Set<number>();
  private jsonBlock: number | undefined;
  private usage: Required<{ [K in keyof WireUsage]: number }> = {
    input_tokens: 0,
    output_tokens: 0,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: 0,
  };
  private stop: StopReason | null | undefined;
  private finished = false;

  constructor(
    private readonly provider = 'anthropic',
    /** The forced JSON-output tool (see map.ts): its input is the answer text. */
    private readonly jsonToolName?: string,
  ) {}

  get done(): boolean {
    return this.finished;
  }

  /** A `message_delta` has carried the stop reason: only `message_stop` may still be missing. */
  get terminal(): boolean {
    return this.stop !== undefined && this.stop !== null;
  }

  push(msg: SseMessage): ChatEvent[] {
    if (this.finished || msg.event === undefined || !KNOWN.has(msg.event)) return [];
    let ev: StreamEvent;
    try {
      ev = JSON.parse(msg.data) as StreamEvent;
    } catch {
      throw new UpstreamError('stream_interrupted', `${this.provider}: malformed JSON in "${msg.event}" event`, {
        provider: this.provider,
      });
    }
    if (typeof ev !== 'object' || ev === null) return [];
    switch (msg.event) {
      case 'error': {
        const e = (ev as { error?: { type?: string; message?: string } }).error;
        const message = e?.message ?? 'upstream stream error';
        const details: UpstreamError['details'] = { provider: this.provider };
        if (e?.type) details.upstreamCode = e.type;
        throw new UpstreamError(errorKind(e?.type, message), message, details);
      }
      case 'message_start':
        this.addUsage((ev as Extract<StreamEvent, { type: 'message_start' }>).message?.usage);
        return [];
      case 'content_block_start':
        return this.blockStart(ev as Extract<StreamEvent, { type: 'content_block_start' }>);
      case 'content_block_delta':
        return this.blockDelta(ev as Extract<StreamEvent, { type: 'content_block_delta' }>);
      case 'content_block_stop': {
        const index = (ev as Extract<StreamEvent, { type: 'content_block_stop' }>).index;
        if (!this.noArgs.delete(index)) return [];
        if (index === this.jsonBlock) return [{ type: 'delta', text: '{}' }];
        const tool = this.toolIndex.get(index);
        return tool === undefined ? [] : [{ type: 'tool_call', index: tool, argumentsDelta: '{}' }];
      }
      case 'message_delta': {
        const md = ev as Extract<StreamEvent, { type: 'message_delta' }>;
        if (md.delta?.stop_reason !== undefined) this.stop = md.delta.stop_reason;
        this.addUsage(md.usage); // cumulative counts: the latest wins
        return [];
      }
      case 'message_stop':
        return this.close();
      default:
        return [];
    }
  }

  /**
   * Call at end of body (or when it broke off): the closing usage and finish when the stop
   * reason arrived but `message_stop` did not, nothing after `message_stop`; without a stop
   * reason the stream was cut.
   */
  end(): ChatEvent[] {
    if (this.finished) return [];
    if (this.terminal) return this.close();
    throw new UpstreamError('stream_interrupted', `${this.provider}: stream ended before message_delta carried a stop reason`, {
      provider: this.provider,
    });
  }

  private close(): ChatEvent[] {
    this.finished = true;
    let reason = finishReason(this.stop);
    if (reason === 'tool_calls' && this.jsonBlock !== undefined && this.toolIndex.size === 0) reason = 'stop';
    return [
      { type: 'usage', usage: this.domainUsage() },
      { type: 'finish', reason },
    ];
  }

  private blockStart(ev: Extract<StreamEvent, { type: 'content_block_start' }>): ChatEvent[] {
    const b = ev.content_block as { type: string; text?: string; id?: string; name?: string; thinking?: string };
    if (b.type === 'text') return b.text ? [{ type: 'delta', text: b.text }] : [];
    if (b.type === 'thinking') return b.thinking ? [{ type: 'delta', text: '', reasoning: b.thinking }] : [];
    if (b.type !== 'tool_use') return []; // redacted_thinking, server tools: nothing for the caller
    this.noArgs.add(ev.index);
    if (this.jsonToolName !== undefined && b.name === this.jsonToolName && this.jsonBlock === undefined) {
      this.jsonBlock = ev.index;
      return [];
    }
    const index = this.toolIndex.size;
    this.toolIndex.set(ev.index, index);
    return [{ type: 'tool_call', index, id: b.id ?? '', name: b.name ?? '', argumentsDelta: '' }];
  }

  private blockDelta(ev: Extract<StreamEvent, { type: 'content_block_delta' }>): ChatEvent[] {
    const d = ev.delta as { type: string; text?: string; partial_json?: string; thinking?: string };
    switch (d.type) {
      case 'text_delta':
        return d.text ? [{ type: 'delta', text: d.text }] : [];
      case 'thinking_delta':
        return d.thinking ? [{ type: 'delta', text: '', reasoning: d.thinking }] : [];
      case 'input_json_delta': {
        if (!d.partial_json) return [];
        this.noArgs.delete(ev.index);
        if (ev.index === this.jsonBlock) return [{ type: 'delta', text: d.partial_json }];
        const index = this.toolIndex.get(ev.index);
        return index === undefined ? [] : [{ type: 'tool_call', index, argumentsDelta: d.partial_json }];
      }
      default:
        return []; // signature_delta, citations_delta
    }
  }

  private addUsage(u: WireUsage | undefined): void {
    if (!u) return;
    for (const k of Object.keys(this.usage) as Array<keyof WireUsage>) {
      const v = u[k];
      if (typeof v === 'number') this.usage[k] = v;
    }
  }

  /** input_tokens counts only uncached input: the domain's inputTokens is the whole prompt. */
  private domainUsage(): Usage {
    const u = this.usage;
    return {
      inputTokens: u.input_tokens + u.cache_creation_input_tokens + u.cache_read_input_tokens,
      outputTokens: u.output_tokens,
      cachedInputTokens: u.cache_read_input_tokens,
      reasoningTokens: 0,
    };
  }
}
