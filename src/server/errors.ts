// The one table from domain error kinds to gRPC/Connect codes, and the conversion of any
// thrown value into a ConnectError with google.rpc details (ErrorInfo, BadRequest) that
// clients in any language can branch on. Unknown errors become INTERNAL with no internals.
import { create } from '@bufbuild/protobuf';
import { Code, ConnectError } from '@connectrpc/connect';
import { BadRequestSchema, ErrorInfoSchema } from '../../gen/google/rpc/error_details_pb.js';
import { SwitchyardError, type ErrorKind } from '../errors.js';

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
    return new ConnectError(err.message, CODE_OF[err.kind], undefined, details);
  }
  if (err instanceof Error && err.name === 'AbortError') {
    return new ConnectError('the call was cancelled', Code.Canceled);
  }
  log?.('internal error', err);
  return new ConnectError('internal error', Code.Internal);
}
