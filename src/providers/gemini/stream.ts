// Pure decoding of the Gemini response stream and error bodies into domain events / errors.
// See shared/provider-wire.md §3.3–3.5.
import { classifyHttpError, type UpstreamResponse } from '../http.js';
import { UpstreamError, type UpstreamErrorKind } from '../errors.js';
import type { ChatEvent, FinishReason, Usage } from '../types.js';
import type { GeminiGenerateResponse, GeminiStatus, GeminiUsageMetadata } from './wire.js';

const FILTERED = new Set([
  'SAFETY',
  'RECITATION',
  'BLOCKLIST',
  'PROHIBITED_CONTENT',
  'SPII',
  'IMAGE_SAFETY',
  'IMAGE_PROHIBITED_CONTENT',
  'IMAGE_RECITATION',
]);

/**
 * Feed each SSE payload to `push`, then call `end` when the body ends. Events come out in the
 * domain order: deltas and tool calls as they arrive, then one usage, then one finish.
 */
export class GeminiStreamDecoder {
  private finishReason: string | undefined;
  private usage: GeminiUsageMetadata | undefined;
  private toolCalls = 0;

  constructor(private readonly provider: string) {}

  /** A finishReason has arrived (Gemini's last chunk carries it with the final usage). */
  get terminal(): boolean {
    return this.finishReason !== undefined;
  }

  push(chunk: GeminiGenerateResponse): ChatEvent[] {
    if (chunk.error) throw statusError(chunk.error, chunk.error.code ?? 500, {}, this.provider);
    // Each chunk carries usage; the last one is authoritative (intermediate ones hold only the
    // prompt count).
    if (chunk.usageMetadata) this.usage = chunk.usageMetadata;
    const cand = chunk.candidates?.[0];
    if (!cand) {
      const blocked = chunk.promptFeedback?.blockReason;
      if (blocked) {
        throw new UpstreamError('content_filtered', `Gemini blocked the prompt: ${blocked}`, {
          provider: this.provider,
          upstreamCode: blocked,
        });
      }
      return [];
    }
    const out: ChatEvent[] = [];
    for (const part of cand.content?.parts ?? []) {
      if (part.functionCall) {
        const index = this.toolCalls++;
        // Gemini sends whole calls, usually without an id; the generated one is derived from
        // the response id so a replayed stream yields the same ids.
        const id = part.functionCall.id ?? `call_${chunk.responseId ?? 'gemini'}_${index}`;
        out.push({
          type: 'tool_call',
          index,
          id,
          name: part.functionCall.name,
          argumentsDelta: JSON.stringify(part.functionCall.args ?? {}),
        });
      } else if (typeof part.text === 'string' && part.text !== '') {
        out.push(part.thought ? { type: 'delta', text: '', reasoning: part.text } : { type: 'delta', text: part.text });
      }
    }
    if (cand.finishReason && cand.finishReason !== 'FINISH_REASON_UNSPECIFIED') this.finishReason = cand.finishReason;
    return out;
  }

  /** After the body ended: usage + finish, or a stream_interrupted error when no finishReason came. */
  end(): ChatEvent[] {
    if (this.finishReason === undefined) {
      throw new UpstreamError('stream_interrupted', 'Gemini stream ended without a finishReason', { provider: this.provider });
    }
    const out: ChatEvent[] = [];
    if (this.usage) out.push({ type: 'usage', usage: toUsage(this.usage) });
    out.push({ type: 'finish', reason: finishReason(this.finishReason, this.toolCalls > 0) });
    return out;
  }
}

export function toUsage(u: GeminiUsageMetadata): Usage {
  const thoughts = u.thoughtsTokenCount ?? 0;
  return {
    // Tool-use prompt tokens (code execution, search results) are billed as input.
    inputTokens: (u.promptTokenCount ?? 0) + (u.toolUsePromptTokenCount ?? 0),
    // candidatesTokenCount excludes thoughts, but thoughts are billed as output.
    outputTokens: (u.candidatesTokenCount ?? 0) + thoughts,
    cachedInputTokens: u.cachedContentTokenCount ?? 0,
    reasoningTokens: thoughts,
  };
}

/**
 * STOP also ends a function-calling turn (Gemini has no tool finish reason). Reasons that are
 * neither a limit nor a filter (OTHER, LANGUAGE, MALFORMED_FUNCTION_CALL, …) still end the
 * turn normally: the text so far is all there is.
 */
export function finishReason(reason: string, sawToolCalls: boolean): FinishReason {
  if (reason === 'MAX_TOKENS') return 'length';
  if (FILTERED.has(reason)) return 'content_filter';
  return sawToolCalls ? 'tool_calls' : 'stop';
}

const STATUS_KIND: Record<string, UpstreamErrorKind> = {
  INVALID_ARGUMENT: 'bad_request',
  FAILED_PRECONDITION: 'bad_request',
  OUT_OF_RANGE: 'bad_request',
  PERMISSION_DENIED: 'auth',
  UNAUTHENTICATED: 'auth',
  NOT_FOUND: 'not_found',
  RESOURCE_EXHAUSTED: 'rate_limited',
  UNAVAILABLE: 'overloaded',
  INTERNAL: 'server_error',
  UNKNOWN: 'server_error',
  DEADLINE_EXCEEDED: 'timeout',
  CANCELLED: 'connection',
};

const CONTEXT = /input token count .* exceeds|exceeds the maximum number of tokens/i;

/** Classifies a google.rpc.Status (HTTP error body or in-band error). */
export function statusError(st: GeminiStatus, httpStatus: number, headers: UpstreamResponse['headers'], provider: string): UpstreamError {
  const message = st.message ?? `HTTP ${httpStatus}`;
  const base = classifyHttpError(httpStatus, headers, message, provider, st.status);
  let kind: UpstreamErrorKind = (st.status && STATUS_KIND[st.status]) || base.kind;
  const reason = st.details?.find((d) => d['@type']?.endsWith('google.rpc.ErrorInfo'))?.['reason'];
  // A bad key is a 400 INVALID_ARGUMENT on this API, but it is an auth problem, not the request's.
  if (reason === 'API_KEY_INVALID') kind = 'auth';
  else if (kind === 'bad_request' && CONTEXT.test(message)) kind = 'context_length_exceeded';
  const details: UpstreamError['details'] = { ...base.details };
  const retry = retryDelayMs(st);
  if (retry !== undefined) details.retryAfterMs = retry;
  return new UpstreamError(kind, message, details);
}

/** The wait comes only from RetryInfo.retryDelay (a protobuf Duration: "13s", "0.2s"). */
function retryDelayMs(st: GeminiStatus): number | undefined {
  const info = st.details?.find((d) => d['@type']?.endsWith('google.rpc.RetryInfo'));
  const delay = info?.['retryDelay'];
  if (typeof delay !== 'string') return undefined;
  const m = /^(\d+(?:\.\d+)?)s$/.exec(delay.trim());
  return m ? Math.ceil(Number(m[1]) * 1000) : undefined;
}

/** An HTTP error response body → UpstreamError. The body may be a Status, an array of one, or not JSON. */
export function httpError(status: number, headers: UpstreamResponse['headers'], text: string, provider: string): UpstreamError {
  const st = findStatus(text);
  if (st) return statusError(st, status, headers, provider);
  return classifyHttpError(status, headers, text.slice(0, 500), provider);
}

/** Extracts `{error:{…}}` from a body text (also `[{error:…}]`, as the non-SSE stream sends). */
export function findStatus(text: string): GeminiStatus | undefined {
  try {
    const v = JSON.parse(text) as unknown;
    const obj = (Array.isArray(v) ? v[0] : v) as { error?: GeminiStatus } | undefined;
    if (obj && typeof obj === 'object' && obj.error && typeof obj.error === 'object') return obj.error;
  } catch {
    // not JSON
  }
  return undefined;
}
