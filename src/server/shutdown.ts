// What a call still running when the shutdown grace ends is told, on both ports: UNAVAILABLE
// (retryable: another replica, or this one restarted, can serve it), with an ErrorInfo reason
// clients can branch on. A Chat stream first gets a `finish` saying so (chat-convert.ts).
import { create } from '@bufbuild/protobuf';
import { Code, ConnectError } from '@connectrpc/connect';
import { ErrorInfoSchema } from '../../gen/google/rpc/error_details_pb.js';
import { ERROR_DOMAIN } from './errors.js';

export const SHUTTING_DOWN_REASON = 'SHUTTING_DOWN';
export const SHUTTING_DOWN_MESSAGE = 'the server is shutting down; retry the call';

/** How long calls aborted at the end of the grace period get to write their last message and
 * status before the connections are cut. */
export const ABORTED_CALLS_GRACE_MS = 1000;

export function shuttingDown(): ConnectError {
  return new ConnectError(SHUTTING_DOWN_MESSAGE, Code.Unavailable, undefined, [
    { desc: ErrorInfoSchema, value: create(ErrorInfoSchema, { reason: SHUTTING_DOWN_REASON, domain: ERROR_DOMAIN }) },
  ]);
}

/** Whether a signal was aborted by a server shutdown (either port). */
export function abortedByShutdown(signal: AbortSignal): boolean {
  const r: unknown = signal.aborted ? signal.reason : undefined;
  return r instanceof ConnectError && r.code === Code.Unavailable && r.rawMessage === SHUTTING_DOWN_MESSAGE;
}
