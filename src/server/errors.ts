// The one table from domain error kinds to gRPC/Connect codes, and the conversion of any
// thrown value into a ConnectError with google.rpc details (ErrorInfo, BadRequest, QuotaFailure,
// RetryInfo) that clients in any language can branch on. Unknown errors become INTERNAL with no internals.
import { create } from '@bufbuild/protobuf';
import { Code, ConnectError } from '@connectrpc/connect';
import { BadRequestSchema, ErrorInfoSchema, QuotaFailureSchema, RetryInfoSchema } from '../../gen/google/rpc/error_details_pb.js';
import { SwitchyardError, type ErrorKind } from '../errors.js';
import { UpstreamError, type UpstreamErrorKind } from '../providers/errors.js';

export const ERROR_DOMAIN = 'switchyard.dev';

const CODE_OF: Record<ErrorKind, Code> = {
  invalid_argument: Code.InvalidArgument,
  not_found: Code.NotFound,
  already_exists: Code.AlreadyExists,
  failed_precondition: Code.FailedPrecondition,
  permission_denied: Code.PermissionDenied,
  unauthenticated: Code.Unauthenticated,
  resource_exhausted: Code.ResourceExhausted,
  unavailable: Code.Unavailable,
  deadline_exceeded: Code.DeadlineExceeded,
  unimplemented: Code.Unimplemented,
  internal: Code.Internal,
};

/** Upstream failures that reach a unary caller (Embed) after every candidate was tried. */
const UPSTREAM_CODE_OF: Record<UpstreamErrorKind, Code> = {
  rate_limited: Code.ResourceExhausted,
  overloaded: Code.Unavailable,
  server_error: Code.Unavailable,
  timeout: Code.DeadlineExceeded,
  connection: Code.Unavailable,
  // The operator's credentials were refused: not the caller's fault, and not retryable by it.
  auth: Code.Internal,
  bad_request: Code.InvalidArgument,
  not_found: Code.NotFound,
  context_length_exceeded: Code.InvalidArgument,
  content_filtered: Code.FailedPrecondition,
  stream_interrupted: Code.Unavailable,
};

export type ErrorLogger = (message: string, err: unknown) => void;

export function toConnectError(err: unknown, log?: ErrorLogger): ConnectError {
  if (err instanceof ConnectError) return err;
  if (err instanceof SwitchyardError) {
    const details: ConstructorParameters<typeof ConnectError>[3] = [
      {
        desc: ErrorInfoSchema,
        value: create(ErrorInfoSchema, { reason: err.reason, domain: ERROR_DOMAIN, metadata: err.metadata }),
      },
    ];
    if (err.violations.length > 0) {
      details.push({
        desc: BadRequestSchema,
        value: create(BadRequestSchema, {
          fieldViolations: err.violations.map((v) => ({ field: v.field, description: v.description })),
        }),
      });
    }
    if (err.reason === 'BUDGET_EXHAUSTED') {
      // The standard detail quota-aware clients look for: which budget ran out.
      details.push({
        desc: QuotaFailureSchema,
        value: create(QuotaFailureSchema, {
          violations: [{ subject: `budget:${err.metadata.budget_id ?? ''}`, description: err.message }],
        }),
      });
    }
    if (err.reason === 'RATE_LIMITED') {
      // Which limit refused the call (src/limits/limiter.ts), in the detail quota-aware clients read.
      details.push({
        desc: QuotaFailureSchema,
        value: create(QuotaFailureSchema, {
          violations: [{ subject: `rate_limit:${err.metadata.limit_id ?? ''}:${err.metadata.dimension ?? ''}`, description: err.message }],
        }),
      });
    }
    const retryMs = Number(err.metadata.retry_after_ms);
    if (err.metadata.retry_after_ms !== undefined && Number.isFinite(retryMs) && retryMs >= 0) {
      // google.rpc.RetryInfo: when the same call may succeed (gRPC clients' retry policies read it).
      const ms = Math.ceil(retryMs);
      details.push({
        desc: RetryInfoSchema,
        value: create(RetryInfoSchema, { retryDelay: { seconds: BigInt(Math.floor(ms / 1000)), nanos: (ms % 1000) * 1_000_000 } }),
      });
    }
    return new ConnectError(err.message, CODE_OF[err.kind], undefined, details);
  }
  if (err instanceof UpstreamError) {
    const message =
      err.kind === 'auth'
        ? `upstream ${err.details.provider ?? ''} rejected the configured credentials (operator: check the provider's API key)`
        : `upstream ${err.details.provider ?? ''} failed (${err.kind}): ${err.message}`;
    const metadata: Record<string, string> = { kind: err.kind };
    if (err.details.provider) metadata.provider = err.details.provider;
    if (err.details.status !== undefined) metadata.status = String(err.details.status);
    return new ConnectError(message.replace('upstream  ', 'upstream '), UPSTREAM_CODE_OF[err.kind], undefined, [
      {
        desc: ErrorInfoSchema,
        value: create(ErrorInfoSchema, { reason: `UPSTREAM_${err.kind.toUpperCase()}`, domain: ERROR_DOMAIN, metadata }),
      },
    ]);
  }
  if (err instanceof Error && err.name === 'AbortError') {
    return new ConnectError('the call was cancelled', Code.Canceled);
  }
  if (isUnstorableText(err)) {
    // Postgres text cannot hold NUL (U+0000): the caller's value, not the server, is at fault.
    return toConnectError(
      new SwitchyardError('invalid_argument', 'a text field holds a character that cannot be stored (U+0000)', {
        reason: 'INVALID_CHARACTER',
      }),
    );
  }
  log?.('internal error', err);
  return new ConnectError('internal error', Code.Internal);
}

/** SQLSTATE 22021 (character_not_in_repertoire) / 22P05 (untranslatable_character), from pg or PGlite. */
function isUnstorableText(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === '22021' || code === '22P05';
}
