// Errors in OpenAI's own shape: `{"error": {"message", "type", "param", "code"}}` with the
// HTTP status an OpenAI client branches on. The Switchyard reason (google.rpc.ErrorInfo's on
// the gRPC port) is `code`, its metadata rides along as `metadata`, so clients of either port
// branch on the same strings. Every thrown value goes through the gRPC port's one table first
// (toConnectError), so the two ports never disagree on what an error is or what it may say.
import { Code } from '@connectrpc/connect';
import { codeToHttpStatus } from '@connectrpc/connect/protocol-connect';
import { ErrorInfoSchema } from '../../../gen/google/rpc/error_details_pb.js';
import { SwitchyardError } from '../../errors.js';
import type { FinishErrorKind } from '../../routing/executor.js';
import { toConnectError, type ErrorLogger } from '../errors.js';

export interface OpenAiErrorBody {
  error: {
    message: string;
    type: string;
    param: string | null;
    code: string | null;
    metadata?: Record<string, string>;
  };
}

export interface HttpError {
  status: number;
  body: OpenAiErrorBody;
  /** Seconds, for the `retry-after` header. */
  retryAfter?: number;
}

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

/** Any thrown value → status, body and retry-after. Unknown errors are logged and say nothing. */
export function httpErrorOf(err: unknown, log?: ErrorLogger, renameField?: (field: string) => string): HttpError {
  const ce = toConnectError(err, log);
  const status = ce.code === Code.Canceled ? 499 : codeToHttpStatus(ce.code);
  const info = ce.findDetails(ErrorInfoSchema)[0];
  const rename = renameField ?? ((f: string) => f);
  let message = ce.rawMessage;
  let param: string | null = null;
  if (err instanceof SwitchyardError && err.violations.length > 0) {
    // The field names of this API, not the gRPC contract's.
    message = err.violations.map((v) => `${rename(v.field)}: ${v.description}`).join('; ');
    param = rename(err.violations[0]!.field);
  }
  const body = errorBody(status, message, info?.reason ?? codeName(ce.code), param);
  if (info && Object.keys(info.metadata).length > 0) body.error.metadata = { ...info.metadata };
  const out: HttpError = { status, body };
  const retryMs = Number(info?.metadata.retry_after_ms);
  if (info?.metadata.retry_after_ms !== undefined && Number.isFinite(retryMs) && retryMs >= 0) {
    out.retryAfter = Math.max(1, Math.ceil(retryMs / 1000));
  }
  return out;
}

function codeName(code: Code): string {
  return Code[code]?.replace(/([a-z])([A-Z])/g, '$1_$2').toUpperCase() ?? 'UNKNOWN';
}

/** HTTP status of a Chat `finish` error that ends a call before anything was sent. */
const STATUS_OF_KIND: Record<FinishErrorKind, number> = {
  rate_limited: 429,
  overloaded: 503,
  server_error: 502,
  timeout: 504,
  connection: 502,
  // The operator's credentials were refused: not the caller's fault.
  auth: 500,
  bad_request: 400,
  not_found: 404,
  context_length_exceeded: 400,
  content_filtered: 400,
  stream_interrupted: 502,
  cancelled: 499,
  no_candidate: 503,
};

/** A Chat `finish` error, as a status and body (the body is also the in-band SSE error event). */
export function finishErrorOf(error: { kind: FinishErrorKind; message: string }): HttpError {
  const status = STATUS_OF_KIND[error.kind] ?? 502;
  return { status, body: errorBody(status, error.message, `UPSTREAM_${error.kind.toUpperCase()}`) };
}
