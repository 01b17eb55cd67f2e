// What an error is on the HTTP APIs, before either API gives it its own shape: the status,
// the message, the Switchyard reason (google.rpc.ErrorInfo's on the gRPC port) and its
// metadata, the field at fault and the retry-after. Every thrown value goes through the gRPC
// port's one table first (toConnectError), so no port disagrees on what an error is or what
// it may say; the OpenAI and Anthropic APIs only render an ApiFailure.
import { Code } from '@connectrpc/connect';
import { codeToHttpStatus } from '@connectrpc/connect/protocol-connect';
import { ErrorInfoSchema } from '../../../gen/google/rpc/error_details_pb.js';
import { SwitchyardError } from '../../errors.js';
import type { FinishErrorKind } from '../../routing/executor.js';
import { toConnectError, type ErrorLogger } from '../errors.js';

export interface ApiFailure {
  status: number;
  message: string;
  /** The Switchyard reason, e.g. BUDGET_EXCEEDED, UPSTREAM_SERVER_ERROR. */
  reason: string;
  /** The request field at fault, in the API's own field names. */
  param: string | null;
  metadata?: Record<string, string>;
  /** Seconds, for the `retry-after` header. */
  retryAfter?: number;
}

/** A status and an API-shaped body, ready to send. */
export interface HttpError<B = unknown> {
  status: number;
  body: B;
  /** Seconds, for the `retry-after` header. */
  retryAfter?: number;
}

/** A problem with the request as HTTP (size, syntax), before it means anything; failureOf() maps it. */
export class BodyError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly reason: string,
  ) {
    super(message);
  }
}

/** Any thrown value → an ApiFailure. Unknown errors are logged and say nothing. */
export function failureOf(err: unknown, log?: ErrorLogger, renameField?: (field: string) => string): ApiFailure {
  if (err instanceof BodyError) return { status: err.status, message: err.message, reason: err.reason, param: null };
  const ce = toConnectError(err, log);
  const status = ce.code === Code.Canceled ? 499 : codeToHttpStatus(ce.code);
  const info = ce.findDetails(ErrorInfoSchema)[0];
  const rename = renameField ?? ((f: string) => f);
  let message = ce.rawMessage;
  let param: string | null = null;
  if (err instanceof SwitchyardError && err.violations.length > 0) {
    // The field names of the API, not the gRPC contract's.
    message = err.violations.map((v) => `${rename(v.field)}: ${v.description}`).join('; ');
    param = rename(err.violations[0]!.field);
  }
  const out: ApiFailure = { status, message, reason: info?.reason ?? codeName(ce.code), param };
  if (info && Object.keys(info.metadata).length > 0) out.metadata = { ...info.metadata };
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

/** A Chat `finish` error (also what an in-band SSE error event says). */
export function finishFailureOf(error: { kind: FinishErrorKind; message: string }): ApiFailure {
  const status = STATUS_OF_KIND[error.kind] ?? 502;
  return { status, message: error.message, reason: `UPSTREAM_${error.kind.toUpperCase()}`, param: null };
}
