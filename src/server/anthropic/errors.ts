// Errors in Anthropic's own shape: `{"type": "error", "error": {"type", "message"}}` with the
// HTTP status an Anthropic client branches on. The Switchyard reason (google.rpc.ErrorInfo's
// on the gRPC port, `code` on the OpenAI API) is `error.reason`, its metadata `error.metadata`;
// what an error is was decided once for both HTTP APIs in ../http-api/errors.ts.
import type { ErrorLogger } from '../errors.js';
import { failureOf, finishFailureOf, type ApiFailure, type HttpError } from '../http-api/errors.js';
import { headerFieldName } from '../http-api/http.js';

export interface AnthropicErrorBody {
  type: 'error';
  error: {
    type: string;
    message: string;
    reason: string;
    param?: string;
    metadata?: Record<string, string>;
  };
}

export type AnthropicHttpError = HttpError<AnthropicErrorBody>;

/** Anthropic's error `type` for each status (docs: "HTTP errors"). */
function typeOf(status: number): string {
  if (status === 401) return 'authentication_error';
  if (status === 403) return 'permission_error';
  if (status === 404) return 'not_found_error';
  if (status === 413) return 'request_too_large';
  if (status === 429) return 'rate_limit_error';
  if (status === 503 || status === 529) return 'overloaded_error';
  if (status === 504) return 'timeout_error';
  if (status >= 400 && status < 500 && status !== 499) return 'invalid_request_error';
  return 'api_error';
}

export function errorBody(status: number, message: string, reason: string): AnthropicErrorBody {
  return { type: 'error', error: { type: typeOf(status), message, reason } };
}

function toAnthropic(f: ApiFailure): AnthropicHttpError {
  const body = errorBody(f.status, f.message, f.reason);
  if (f.param !== null) body.error.param = f.param;
  if (f.metadata) body.error.metadata = f.metadata;
  return { status: f.status, body, ...(f.retryAfter !== undefined ? { retryAfter: f.retryAfter } : {}) };
}

/** Provider options are top-level fields here; header-borne context names its header. */
export function renameMessagesField(field: string): string {
  const f = field.startsWith('provider_options_json.') ? field.slice('provider_options_json.'.length) : field;
  return headerFieldName(f);
}

export function anthropicErrorOf(err: unknown, log?: ErrorLogger): AnthropicHttpError {
  return toAnthropic(failureOf(err, log, renameMessagesField));
}

export function finishErrorOf(error: Parameters<typeof finishFailureOf>[0]): AnthropicHttpError {
  return toAnthropic(finishFailureOf(error));
}
