// Pure pieces of the Hugging Face adapter: the OpenAI dialect row for the router's chat, the
// embeddings path, and TEI error classification. No I/O.
import { classifyHttpError, type UpstreamResponse } from '../http.js';
import { UpstreamError } from '../errors.js';
import { presetDialect, type OpenAiDialect } from '../openai/presets.js';
import type { TeiError } from './wire.js';

export const HF_ROUTER_BASE_URL = 'https://router.huggingface.co';

/**
 * The router's /v1/chat/completions speaks OpenAI's wire and passes the request through to the
 * selected provider; a row in the OpenAI family table, not a copy of its mapping. top_k is not
 * part of that wire and some providers reject unknown keys, so it is not sent.
 */
export const HF_ROUTER_DIALECT: OpenAiDialect = {
  // The generic row's defaults, so a quirk added to the table later applies here too.
  ...presetDialect(undefined),
  name: 'huggingface',
  defaultBaseUrl: `${HF_ROUTER_BASE_URL}/v1`,
  keyRequired: true,
  topK: false,
};

/** TEI's default max_client_batch_size; larger calls get 413 Validation. */
export const TEI_BATCH = 32;

export function isRouter(baseUrl: string): boolean {
  return new URL(baseUrl).hostname === new URL(HF_ROUTER_BASE_URL).hostname;
}

/**
 * A self-hosted TEI serves POST /embed; the router serves the same request and response on the
 * hf-inference feature-extraction pipeline of the model's repo.
 */
export function embedPath(baseUrl: string, model: string): string {
  if (!isRouter(baseUrl)) return '/embed';
  return `/hf-inference/models/${model.split('/').map(encodeURIComponent).join('/')}/pipeline/feature-extraction`;
}

/** TEI errors: `{"error","error_type"}`; the type says more than the status. */
export function teiHttpError(status: number, headers: UpstreamResponse['headers'], text: string, provider: string): UpstreamError {
  let body: TeiError = {};
  try {
    const v = JSON.parse(text) as unknown;
    if (v && typeof v === 'object') body = v as TeiError;
  } catch {
    // plain text
  }
  const message = typeof body.error === 'string' ? body.error : text.slice(0, 500) || `HTTP ${status}`;
  const type = body.error_type?.toLowerCase();
  const details: UpstreamError['details'] = { status, provider, ...(body.error_type ? { upstreamCode: body.error_type } : {}) };
  // 413 means either too many inputs (our batching is wrong for this server) or an input
  // longer than the model takes; only the second is a context-length problem.
  if (status === 413 && /batch size/i.test(message)) return new UpstreamError('bad_request', message, details);
  if (type === 'overloaded') return new UpstreamError('overloaded', message, details);
  if (type === 'backend' || type === 'unhealthy') return new UpstreamError('server_error', message, details);
  return classifyHttpError(status, headers, message, provider, body.error_type);
}
