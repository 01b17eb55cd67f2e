// The executor: runs a plan's candidates in order for a streaming chat call. Retryable
// failures are retried on the same candidate with exponential backoff and full jitter
// (honouring the upstream's retry-after up to a cap, never past the caller's deadline); then
// the next candidate is tried. Every failed attempt is reported as an `attempt_failed` event.
// While another candidate is left, an attempt gets only a share of the remaining deadline to
// produce its first event (attempt-timing.ts); one that times out goes to the next candidate,
// not the same one again. Breakers are per endpoint (provider + model).
//
// The failover point is explicit: once the first content event (text or tool call) has been
// yielded to the caller, the call is committed to that upstream. A later failure ends the
// stream with `finish` ERROR (typed kind), keeping the usage seen so far; it never silently
// switches provider mid-answer.
//
// Every stream ends with exactly one `finish` event.
import { isContent } from '../providers/batches.js';
import { UpstreamError, type UpstreamErrorKind } from '../providers/errors.js';
import type { ChatCall, ChatEvent, EmbedCall, EmbedResult, FinishReason, ProviderAdapter, Usage } from '../providers/types.js';
import { AttemptSignal, firstTokenLimitMs, type AttemptTiming } from './attempt-timing.js';
import type { BreakerRegistry } from './breaker.js';
import { endpointKey, type HealthSource } from './health.js';
import type { Candidate } from './types.js';

export interface RetryPolicy {
  /** Attempts per candidate, the first included. */
  maxAttemptsPerCandidate: number;
  baseBackoffMs: number;
  maxBackoffMs: number;
  /** Longest retry-after we honour; a longer one moves on to the next candidate. */
  retryAfterCapMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = {
  maxAttemptsPerCandidate: 2,
  baseBackoffMs: 200,
  maxBackoffMs: 5_000,
  retryAfterCapMs: 10_000,
};

export interface ExecutorDeps {
  adapterFor(providerId: string): ProviderAdapter | undefined;
  breakers: BreakerRegistry;
  retry: RetryPolicy;
  /** [0, 1): injected so tests are deterministic. */
  random: () => number;
  now: () => number;
  sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  /** Latency, time to first token, errors and in-flight per endpoint (health.ts), if tracked. */
  health?: HealthSource;
  /** First-token limits while a fallback is left (attempt-timing.ts); the defaults if unset. */
  attemptTiming?: AttemptTiming;
}

export type FinishErrorKind = UpstreamErrorKind | 'cancelled' | 'no_candidate';

export type ExecEvent =
  | { type: 'route'; provider: string; model: string; upstreamModel: string; attempt: number; dropped: readonly string[] }
  | { type: 'attempt_failed'; provider: string; model: string; attempt: number; error: UpstreamError; retrying: boolean }
  | Extract<ChatEvent, { type: 'delta' | 'tool_call' }>
  | { type: 'usage'; usage: Usage; provider: string; model: string }
  | { type: 'finish'; reason: FinishReason | 'error' | 'cancelled'; error?: { kind: FinishErrorKind; message: string } };

/** Exponential backoff with full jitter: uniform in [0, min(max, base·2^(n-1))]. */
export function backoffMs(attempt: number, policy: RetryPolicy, random: () => number): number {
  const ceiling = Math.min(policy.maxBackoffMs, policy.baseBackoffMs * 2 ** (attempt - 1));
  return Math.floor(random() * ceiling);
}

/** The call for one candidate (parameters it does not accept already dropped). */
export type PrepareCall = (cand: Candidate) => { call: Omit<ChatCall, 'model' | 'signal'>; dropped: readonly string[] };

/** One event at a time (tests, simple callers): executeChatBatches, flattened. */
export async function* executeChat(
  candidates: readonly Candidate[],
  prepare: PrepareCall,
  signal: AbortSignal,
  deps: ExecutorDeps,
  deadlineMs?: number,
): AsyncGenerator<ExecEvent> {
  for await (const batch of executeChatBatches(candidates, prepare, signal, deps, deadlineMs)) yield* batch;
}

/**
 * The events in batches: an upstream's events as its adapter grouped them (one batch per
 * network read, see ProviderAdapter.chatBatches), every other event alone. A hop through an
 * async generator costs promise turns per item, so carrying a read's tokens as one item is
 * what keeps the gateway's per-token cost down.
 */
export async function* executeChatBatches(
  candidates: readonly Candidate[],
  prepare: PrepareCall,
  signal: AbortSignal,
  deps: ExecutorDeps,
  deadlineMs?: number,
): AsyncGenerator<ExecEvent[]> {
  let attempt = 0;
  let lastError: UpstreamError | undefined;
  for (let c = 0; c < candidates.length; c++) {
    const cand = candidates[c]!;
    const adapter = deps.adapterFor(cand.provider);
    if (!adapter) continue;
    const key = endpointKey(cand.provider, cand.model.id);
    for (let n = 1; n <= deps.retry.maxAttemptsPerCandidate; n++) {
      if (signal.aborted) return yield [cancelled()];
      if (!deps.breakers.tryAcquire(key)) {
        // The call's own failure, if it had one, is what it reports: not a circuit it opened.
        lastError ??= new UpstreamError('overloaded', `circuit open for ${cand.provider} ${cand.model.id}`, { provider: cand.provider });
        break;
      }
      attempt++;
      const { call, dropped } = prepare(cand);
      yield [{ type: 'route', provider: cand.provider, model: cand.model.id, upstreamModel: cand.model.upstreamModel, attempt, dropped }];
      const limitMs = firstTokenLimitMs(
        {
          remainingMs: deadlineMs === undefined ? undefined : deadlineMs - deps.now(),
          candidatesLeft: candidates.length - c,
          ttftMs: deps.health?.endpoint?.(key)?.ttftMs ?? 0,
        },
        deps.attemptTiming,
      );
      const att = new AttemptSignal(signal, limitMs);
      const outcome = yield* runAttempt(adapter, { ...call, model: cand.model.upstreamModel, signal: att.signal }, cand, att, signal, deps);
      if (outcome.done) return;
      const err = outcome.error;
      lastError = err;
      if (signal.aborted) return yield [cancelled()];

      // A timed-out endpoint would most likely time out again: the next candidate goes first.
      const timedOutWithFallback = err.kind === 'timeout' && c + 1 < candidates.length;
      const moreHere = err.retryable && n < deps.retry.maxAttemptsPerCandidate && !timedOutWithFallback;
      const wait = moreHere ? retryWait(err, n, deps) : 0;
      const fitsDeadline = deadlineMs === undefined || deps.now() + wait < deadlineMs;
      const retryHere = moreHere && wait <= deps.retry.retryAfterCapMs && fitsDeadline;
      const fallback = !retryHere && fallbackAllowed(err) && c + 1 < candidates.length;
      yield [
        { type: 'attempt_failed', provider: cand.provider, model: cand.model.id, attempt, error: err, retrying: retryHere || fallback },
      ];
      if (retryHere) {
        await deps.sleep(wait, signal).catch(() => undefined);
        continue;
      }
      if (!fallback) return yield [failed(err)];
      break;
    }
  }
  if (lastError) return yield [failed(lastError)];
  return yield [{ type: 'finish', reason: 'error', error: { kind: 'no_candidate', message: 'no candidate could be tried' } }];
}

type AttemptOutcome = { done: true } | { done: false; error: UpstreamError };

/**
 * One upstream attempt. Returns done when the stream reached a terminal event (success, or a
 * failure after content was committed); otherwise the pre-content error, for retry/fallback.
 */
async function* runAttempt(
  adapter: ProviderAdapter,
  call: ChatCall,
  cand: Candidate,
  att: AttemptSignal,
  outer: AbortSignal,
  deps: ExecutorDeps,
): AsyncGenerator<ExecEvent[], AttemptOutcome> {
  let committed = false;
  let usage: Usage | undefined;
  let settled = false;
  const key = endpointKey(cand.provider, cand.model.id);
  const health = deps.health?.onStart(cand.provider, cand.model.id);
  const settle = (err?: UpstreamError) => {
    if (settled) return;
    settled = true;
    health?.onFinish(err ? 'error' : 'ok');
    if (!err) deps.breakers.success(key);
    else recordFailure(deps.breakers, key, err);
  };
  const usageEvent = (u: Usage): ExecEvent => ({ type: 'usage', usage: u, provider: cand.provider, model: cand.model.id });
  try {
    for await (const batch of adapter.chatBatches(call)) {
      att.firstEvent();
      // Content is forwarded as it came; a usage is held for its place just before finish.
      let content = 0;
      while (content < batch.length && isContent(batch[content]!)) content++;
      if (content > 0 && !committed) {
        health?.onFirstToken();
        committed = true;
      }
      // The common case, a read of tokens only: passed on as is (content events are ExecEvents).
      if (content === batch.length) {
        if (content > 0) yield batch as ExecEvent[];
        continue;
      }
      const out = batch.slice(0, content) as ExecEvent[];
      for (let i = content; i < batch.length; i++) {
        const ev = batch[i]!;
        if (ev.type === 'delta' || ev.type === 'tool_call') {
          if (!committed) health?.onFirstToken();
          committed = true;
          out.push(ev);
        } else if (ev.type === 'usage') {
          usage = ev.usage;
        } else {
          settle();
          if (usage) out.push(usageEvent(usage));
          out.push({ type: 'finish', reason: ev.reason });
          yield out;
          return { done: true };
        }
      }
      if (out.length > 0) yield out;
    }
    throw new UpstreamError('stream_interrupted', 'the upstream stream ended without a finish', { provider: cand.provider });
  } catch (raw) {
    if (outer.aborted) {
      deps.breakers.release(key);
      settled = true;
      yield usage ? [usageEvent(usage), cancelled()] : [cancelled()];
      return { done: true };
    }
    const err =
      raw instanceof UpstreamError
        ? raw
        : att.timedOut
          ? new UpstreamError('timeout', `${cand.provider}: no first token within ${att.limitMs} ms`, { provider: cand.provider })
          : internalFailure(raw, cand.provider);
    // Client errors say nothing about the endpoint's health.
    if (countsAgainstEndpoint(err)) settle(err);
    else {
      // Neither way for the endpoint: a probe this was lets the next one through.
      settled = true;
      deps.breakers.release(key);
    }
    if (!committed) return { done: false, error: err };
    const end = failed(
      err.kind === 'timeout' || err.kind === 'connection' ? new UpstreamError('stream_interrupted', err.message, err.details) : err,
    );
    yield usage ? [usageEvent(usage), end] : [end];
    return { done: true };
  } finally {
    // Cancelled, a client error, or the consumer stopped: no health sample (first finish wins).
    health?.onFinish('neutral');
    if (!settled) deps.breakers.release(key);
    att.dispose();
  }
}

/**
 * An adapter throws only UpstreamError for what an upstream did; anything else failed inside
 * Switchyard for this request (a JSON body too deep to encode: RangeError). Another attempt
 * would fail the same way and the endpoint is not to blame: a bad request, never retried,
 * never counted by a breaker.
 */
function internalFailure(raw: unknown, provider: string): UpstreamError {
  const msg = raw instanceof Error ? raw.message : String(raw);
  return new UpstreamError('bad_request', `the request could not be prepared for ${provider}: ${msg}`, { provider });
}

/** A rate limit that says when to come back cools the endpoint down; other failures count. */
function recordFailure(breakers: BreakerRegistry, key: string, err: UpstreamError): void {
  if (err.kind === 'rate_limited' && err.details.retryAfterMs !== undefined) breakers.coolDown(key, err.details.retryAfterMs);
  else breakers.failure(key);
}

function retryWait(err: UpstreamError, attempt: number, deps: ExecutorDeps): number {
  const jitter = backoffMs(attempt, deps.retry, deps.random);
  return err.details.retryAfterMs !== undefined ? Math.max(err.details.retryAfterMs, jitter) : jitter;
}

/** A request the upstream rejected as malformed will be rejected by the next one too. */
function fallbackAllowed(err: UpstreamError): boolean {
  return err.kind !== 'bad_request' && err.kind !== 'content_filtered';
}

/** Client-caused failures (a malformed request, a rejected key, a filtered prompt) never count. */
function countsAgainstEndpoint(err: UpstreamError): boolean {
  return !['bad_request', 'auth', 'not_found', 'context_length_exceeded', 'content_filtered'].includes(err.kind);
}

function failed(err: UpstreamError): ExecEvent {
  return { type: 'finish', reason: 'error', error: { kind: err.kind, message: err.message } };
}

function cancelled(): ExecEvent {
  return { type: 'finish', reason: 'cancelled', error: { kind: 'cancelled', message: 'the caller cancelled the call' } };
}

/**
 * Embed over the plan: the same retry and fallback rules as chat, unary. Throws the last
 * UpstreamError when every candidate failed (the server maps it to a status).
 */
export async function executeEmbed(
  candidates: readonly Candidate[],
  call: Omit<EmbedCall, 'model' | 'signal'>,
  signal: AbortSignal,
  deps: ExecutorDeps,
  deadlineMs?: number,
): Promise<{ result: EmbedResult; candidate: Candidate; attempts: number }> {
  let attempt = 0;
  let lastError: UpstreamError | undefined;
  for (let c = 0; c < candidates.length; c++) {
    const cand = candidates[c]!;
    const adapter = deps.adapterFor(cand.provider);
    if (!adapter) continue;
    const key = endpointKey(cand.provider, cand.model.id);
    for (let n = 1; n <= deps.retry.maxAttemptsPerCandidate; n++) {
      if (signal.aborted) throw signal.reason ?? new Error('aborted');
      if (!deps.breakers.tryAcquire(key)) break;
      attempt++;
      const health = deps.health?.onStart(cand.provider, cand.model.id);
      try {
        const result = await adapter.embed({ ...call, model: cand.model.upstreamModel, signal });
        health?.onFinish('ok');
        deps.breakers.success(key);
        return { result, candidate: cand, attempts: attempt };
      } catch (raw) {
        const err = raw instanceof UpstreamError ? raw : internalFailure(raw, cand.provider);
        const counts = !signal.aborted && countsAgainstEndpoint(err);
        health?.onFinish(counts ? 'error' : 'neutral');
        if (signal.aborted) {
          deps.breakers.release(key);
          throw signal.reason ?? raw;
        }
        if (counts) recordFailure(deps.breakers, key, err);
        else deps.breakers.release(key);
        lastError = err;
        const moreHere = err.retryable && n < deps.retry.maxAttemptsPerCandidate && !(err.kind === 'timeout' && c + 1 < candidates.length);
        const wait = moreHere ? retryWait(err, n, deps) : 0;
        if (moreHere && wait <= deps.retry.retryAfterCapMs && (deadlineMs === undefined || deps.now() + wait < deadlineMs)) {
          await deps.sleep(wait, signal).catch(() => undefined);
          continue;
        }
        if (!fallbackAllowed(err)) throw err;
        break;
      }
    }
  }
  throw lastError ?? new UpstreamError('overloaded', 'no candidate could be tried (circuits open)');
}
