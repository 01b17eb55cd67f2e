// Chat events → OpenAI `chat.completion.chunk` server-sent events: `data: {...}\n\n` frames
// and a final `data: [DONE]\n\n`. Nothing is written until the call's first content (or its
// clean end): until then a failure is still an HTTP error with its own status (the failover
// point is the same as gRPC's). After it, a failure is one in-band `data: {"error": ...}`
// frame, OpenAI's shape, and the stream ends without [DONE]: never a silent cut.
import type { ChatCallEvent } from '../../calls/chat.js';
import type { Usage } from '../../providers/types.js';
import type { NodeResponse } from '../http-server.js';
import { SseWriter } from '../http-api/sse.js';
import { sendError, DECISION_HEADER } from './http.js';
import type { HttpError } from './errors.js';

export interface CompletionMeta {
  /** `chatcmpl-<decisionId>`. */
  id: string;
  created: number;
  /** The routed model id (the one that served, after any failover). */
  model: string;
  decisionId: string;
}

export function usageToOpenAi(u: Usage) {
  return {
    prompt_tokens: u.inputTokens,
    completion_tokens: u.outputTokens,
    total_tokens: u.inputTokens + u.outputTokens,
    prompt_tokens_details: { cached_tokens: u.cachedInputTokens },
    completion_tokens_details: { reasoning_tokens: u.reasoningTokens },
  };
}

type ToolCallEvent = Extract<ChatCallEvent, { type: 'tool_call' }>;

/** A tool-call fragment as OpenAI streams it: id, type and name on the call's first fragment. */
export function toolCallDelta(e: ToolCallEvent) {
  return {
    index: e.index,
    ...(e.id !== undefined ? { id: e.id, type: 'function' as const } : {}),
    function: { ...(e.name !== undefined ? { name: e.name } : {}), arguments: e.argumentsDelta },
  };
}

export class ChatSse {
  readonly #sse: SseWriter;

  constructor(
    private readonly res: NodeResponse,
    private readonly meta: CompletionMeta,
  ) {
    this.#sse = new SseWriter(res);
  }

  get started(): boolean {
    return this.#sse.started;
  }

  #chunk(choices: unknown[], extra: Record<string, unknown> = {}): Record<string, unknown> {
    const m = this.meta;
    return { id: m.id, object: 'chat.completion.chunk', created: m.created, model: m.model, system_fingerprint: null, choices, ...extra };
  }

  #start(): void {
    this.#sse.start({ [DECISION_HEADER]: this.meta.decisionId });
  }

  #frame(payload: string): Promise<void> {
    return this.#sse.frame(payload);
  }

  /** One content event (the first also carries the assistant role, as OpenAI's first chunk does). */
  async content(e: Extract<ChatCallEvent, { type: 'delta' | 'tool_call' }>): Promise<void> {
    const first = !this.#sse.started;
    this.#start();
    const role = first ? { role: 'assistant' } : {};
    const delta =
      e.type === 'delta'
        ? { ...role, content: e.text, ...(e.reasoning ? { reasoning_content: e.reasoning } : {}) }
        : { ...role, ...(first ? { content: null } : {}), tool_calls: [toolCallDelta(e)] };
    await this.#frame(JSON.stringify(this.#chunk([{ index: 0, delta, logprobs: null, finish_reason: null }])));
  }

  /** The clean end: the finish_reason chunk, the usage chunk when asked for, then [DONE]. */
  async finish(reason: string, usage: Usage | undefined, includeUsage: boolean): Promise<void> {
    if (!this.#sse.started) {
      // Nothing was generated: still one chunk with the role, as OpenAI sends.
      this.#start();
      await this.#frame(
        JSON.stringify(this.#chunk([{ index: 0, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null }])),
      );
    }
    await this.#frame(JSON.stringify(this.#chunk([{ index: 0, delta: {}, logprobs: null, finish_reason: reason }])));
    if (includeUsage) await this.#frame(JSON.stringify(this.#chunk([], { usage: usage ? usageToOpenAi(usage) : null })));
    await this.#frame('[DONE]');
    this.res.end();
  }

  /** A failure: an HTTP error before the first frame, an in-band error frame after it. */
  async fail(err: HttpError): Promise<void> {
    if (!this.#sse.started) {
      sendError(this.res, err, { [DECISION_HEADER]: this.meta.decisionId || undefined });
      return;
    }
    await this.#frame(JSON.stringify(err.body));
    this.res.end();
  }
}
