// The server's deadline per RPC kind: a call that names none gets the default, and none runs
// past the maximum whatever it asks for (config `server.deadlines`). A caller's earlier
// deadline is left to its transport, which already ends the call with DEADLINE_EXCEEDED;
// only when the server's bound is the earlier one does this arm a timer of its own. The
// executor is handed the effective deadline, so retries and fallbacks respect it too.
import { SwitchyardError } from '../errors.js';

/** chat.ts CallControl, restated here: chat.ts imports this file. */
interface CallControl {
  signal: AbortSignal;
  deadlineMs?: number | undefined;
}

export interface DeadlinePolicy {
  /** Applied when the caller sets no deadline. */
  defaultMs: number;
  /** No call of this kind runs longer. */
  maxMs: number;
}

export interface CallDeadlines {
  chat: DeadlinePolicy;
  embed: DeadlinePolicy;
}

/** The effective deadline (epoch ms) of a call starting at `now`. */
export function effectiveDeadline(now: number, requested: number | undefined, p: DeadlinePolicy): number {
  return Math.min(requested ?? now + p.defaultMs, now + p.maxMs);
}

function deadlineExceeded(kind: string, ms: number): SwitchyardError {
  return new SwitchyardError('deadline_exceeded', `the ${kind} call ran past the server's deadline of ${ms} ms`, {
    reason: 'SERVER_DEADLINE_EXCEEDED',
    metadata: { rpc: kind, deadline_ms: String(ms) },
  });
}

interface Bounded {
  control: CallControl;
  /** Whether the server's own timer ended the call. */
  expired(): boolean;
  dispose(): void;
}

function bound(kind: string, control: CallControl, p: DeadlinePolicy, now = Date.now()): Bounded {
  const deadlineMs = effectiveDeadline(now, control.deadlineMs, p);
  if (control.deadlineMs !== undefined && control.deadlineMs <= deadlineMs) {
    return { control, expired: () => false, dispose: () => undefined };
  }
  const timer = new AbortController();
  const t = setTimeout(() => timer.abort(deadlineExceeded(kind, deadlineMs - now)), Math.max(0, deadlineMs - now));
  return {
    control: { signal: AbortSignal.any([control.signal, timer.signal]), deadlineMs },
    expired: () => timer.signal.aborted && !control.signal.aborted,
    dispose: () => clearTimeout(t),
  };
}

/** A stream bounded by the policy; past it the stream ends with DEADLINE_EXCEEDED. */
export async function* boundedStream<T>(
  kind: string,
  policy: DeadlinePolicy | undefined,
  control: CallControl,
  run: (control: CallControl) => AsyncGenerator<T>,
): AsyncGenerator<T> {
  if (!policy) return yield* run(control);
  const b = bound(kind, control, policy);
  try {
    yield* run(b.control);
  } catch (err) {
    throw b.expired() ? b.control.signal.reason : err;
  } finally {
    b.dispose();
  }
  // The executor ends an aborted stream with a `cancelled` finish rather than throwing.
  if (b.expired()) throw b.control.signal.reason;
}

/** A unary call bounded by the policy. */
export async function boundedOnce<T>(
  kind: string,
  policy: DeadlinePolicy | undefined,
  control: CallControl,
  run: (control: CallControl) => Promise<T>,
): Promise<T> {
  if (!policy) return run(control);
  const b = bound(kind, control, policy);
  try {
    return await run(b.control);
  } catch (err) {
    throw b.expired() ? b.control.signal.reason : err;
  } finally {
    b.dispose();
  }
}
