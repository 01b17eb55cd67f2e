// Errors in OpenAI's own shape: `{"error": {"message", "type", "param", "code"}}` with the
// HTTP status an OpenAI client branches on. The Switchyard reason (google.rpc.ErrorInfo's on
// the gRPC port) is `code`, its metadata rides along as `metadata`, so clients of either port
// branch on the same strings. What an error is (status, reason, retry-after) is decided once
// for both HTTP APIs in ../http-api/errors.ts; this file only gives it OpenAI's shape.
import type { ErrorLogger } from '../errors.js';
import { failureOf, finishFailureOf, type ApiFailure, type HttpError as AnyHttpError } from '../http-api/errors.js';

export interface OpenAiErrorBody {
  error: {
    message: string;
    type: string;
    param: string | null;
    code: string | null;
    metadata?: Record<string, string>;
  };
}

export type HttpError = AnyHttpError<OpenAiErrorBody>;

/** OpenAI's error `type` for each status it uses. */
function typeOf(status: number): string {
  if (status === 400 || status === 413 || status === 404 || status === 409)
    return status === 404 ? 'not_found_error' : 'invalid_request_error';
  if (status === 401) return 'authentication_error';
  if (status === 403) return 'permission_error';
  if (status === 429) return 'rate_limit_error';
  if (status === 501) return 'not_implemented_error';
  return 'server_error';
}

export function errorBody(status: number, message: string, code: string | null, param: string | null = null): OpenAiErrorBody {
  return { error: { message, type: typeOf(status), param, code } };
}

function toOpenAi(f: ApiFailure): HttpError {
  const body = errorBody(f.status, f.message, f.reason, f.param);
  if (f.metadata) body.error.metadata = f.metadata;
  return { status: f.status, body, ...(f.retryAfter !== undefined ? { retryAfter: f.retryAfter } : {}) };
}

/** Any thrown value → status, body and retry-after. Unknown errors are logged and say nothing. */
export function httpErrorOf(err: unknown, log?: ErrorLogger, renameField?: (field: string) => string): HttpError {
  return toOpenAi(failureOf(err, log, renameField));
}

/** A Chat `finish` error, as a status and body (the body is also the in-band SSE error event). */
export function finishErrorOf(error: Parameters<typeof finishFailureOf>[0]): HttpError {
  return toOpenAi(finishFailureOf(error));
}
