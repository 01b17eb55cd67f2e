// The one answer, on both ports, to request bytes that are not a valid message of the RPC's
// input type: INVALID_ARGUMENT (the caller's bytes are at fault, retrying them cannot help),
// naming the type and what the parser found, with an ErrorInfo clients can branch on.
import { create } from '@bufbuild/protobuf';
import { Code, ConnectError } from '@connectrpc/connect';
import { ErrorInfoSchema } from '../../gen/google/rpc/error_details_pb.js';
import { ERROR_DOMAIN } from './errors.js';

export const MALFORMED_REASON = 'MALFORMED_REQUEST';

export function malformedRequest(typeName: string, cause: unknown): ConnectError {
  const why = cause instanceof Error ? cause.message : String(cause);
  return new ConnectError(`the request is not a valid ${typeName}: ${why}`, Code.InvalidArgument, undefined, [
    {
      desc: ErrorInfoSchema,
      value: create(ErrorInfoSchema, { reason: MALFORMED_REASON, domain: ERROR_DOMAIN, metadata: { type: typeName } }),
    },
  ]);
}
