// Metrics and logs of a call, recorded once here for every way in (gRPC, Connect, the HTTP APIs,
// the CLI): runChat / runEmbed / route wrap their work in these. Each call gets a child logger
// carrying its request id, decision id and tenant, and ends with one access line (when enabled).
// Nothing here reads message content or keys: only ids, endpoints, counts, kinds and reasons.
import { SwitchyardError } from '../errors.js';
import { childOf, silentLogger, type Logger } from '../log.js';
import { noMetrics, type CallMetrics, type CallObservation, type Outcome, type Rpc } from '../metrics/metrics.js';
import type { Caller } from './caller.js';

/** What the use cases report to; absent: nothing is recorded. */
export interface CallTelemetry {
  metrics: CallMetrics;
  log: Logger;
  /** One info line per call (rpc, endpoint, outcome, tokens, cost, duration). */
  accessLog: boolean;
}

export const NO_TELEMETRY: CallTelemetry = { metrics: noMetrics, log: silentLogger, accessLog: false };

/** A call being observed: its metric observation, its logger, and what its access line says. */
export class ObservedCall {
  readonly obs: CallObservation;
  log: Logger;
  readonly #t0 = performance.now();
  readonly #access: Record<string, unknown>;
  #ended = false;

  constructor(
    private readonly telemetry: CallTelemetry,
    rpc: Rpc,
    caller: Caller,
    requestId: string,
  ) {
    this.obs = telemetry.metrics.begin(rpc, caller.tenant);
    this.log = childOf(telemetry.log, { rpc, requestId, tenant: caller.tenant });
    this.#access = { provider: '', model: '' };
  }

  decided(decisionId: string): void {
    if (this.#access.decisionId !== undefined) return;
    this.#access.decisionId = decisionId;
    this.log = childOf(this.log, { decisionId });
  }

  dispatched(provider: string, model: string, attempt: number): void {
    this.obs.dispatched(provider, model);
    Object.assign(this.#access, { provider, model, attempts: attempt });
  }

  served(provider: string, model: string): void {
    this.obs.served(provider, model);
    Object.assign(this.#access, { provider, model });
  }

  attemptFailed(provider: string, model: string, kind: string, retrying: boolean): void {
    this.obs.attemptFailed(provider, model, kind, retrying);
    // The kind only: an upstream's error message may quote the request.
    this.log.debug('upstream attempt failed', { provider, model, kind, retrying });
  }

  usage(inputTokens: number, outputTokens: number, cost: bigint): void {
    this.obs.usage(inputTokens, outputTokens, cost);
    Object.assign(this.#access, { inputTokens, outputTokens, costPicoUsd: cost.toString() });
  }

  /** A thrown error ends the call: refused before any dispatch, else an error. */
  failed(err: unknown): void {
    const kind = err instanceof SwitchyardError ? err.kind : ((err as { kind?: string })?.kind ?? 'internal');
    const reason = err instanceof SwitchyardError ? err.reason : undefined;
    if (err instanceof SwitchyardError && err.reason === 'BUDGET_EXHAUSTED' && err.metadata.budget_id) {
      this.telemetry.metrics.budgetRefused(err.metadata.budget_id);
    }
    const outcome: Outcome = this.#access.attempts === undefined && err instanceof SwitchyardError ? 'refused' : 'error';
    this.end(outcome, kind, reason);
  }

  end(outcome: Outcome, errorKind?: string, reason?: string): void {
    if (this.#ended) return;
    this.#ended = true;
    this.obs.end(outcome, errorKind);
    if (!this.telemetry.accessLog) return;
    this.log.info('call', {
      ...this.#access,
      outcome,
      ...(errorKind ? { errorKind } : {}),
      ...(reason ? { reason } : {}),
      durationMs: Math.round(performance.now() - this.#t0),
    });
  }
}

/** The Chat events observation reads (a structural view of calls/chat.ts ChatCallEvent). */
export type ObservedChatEvent =
  | { type: 'route'; provider: string; model: string; attempt: number; decisionId: string }
  | { type: 'attempt_failed'; provider: string; model: string; error: { kind: string }; retrying: boolean }
  | { type: 'delta' | 'tool_call' }
  | { type: 'usage'; usage: { inputTokens: number; outputTokens: number }; cost: bigint }
  | { type: 'finish'; reason: string; error?: { kind: string } | undefined };

/** Wraps a Chat's event stream: every event is observed on its way to the caller. */
export async function* observeChat<E extends ObservedChatEvent>(call: ObservedCall, events: AsyncGenerator<E>): AsyncGenerator<E> {
  let finished: { outcome: Outcome; kind?: string } | undefined;
  try {
    for await (const e of events) {
      switch (e.type) {
        case 'route':
          call.decided(e.decisionId);
          call.dispatched(e.provider, e.model, e.attempt);
          break;
        case 'attempt_failed':
          call.attemptFailed(e.provider, e.model, e.error.kind, e.retrying);
          break;
        case 'delta':
        case 'tool_call':
          call.obs.firstToken();
          break;
        case 'usage':
          call.usage(e.usage.inputTokens, e.usage.outputTokens, e.cost);
          break;
        case 'finish':
          call.obs.upstreamEnded();
          finished =
            e.reason === 'error'
              ? { outcome: 'error', kind: e.error?.kind ?? 'error' }
              : e.reason === 'cancelled'
                ? { outcome: 'cancelled' }
                : { outcome: 'ok' };
          break;
      }
      yield e;
    }
  } catch (err) {
    call.failed(err);
    throw err;
  } finally {
    // A caller that went away before the finish cancelled the call.
    call.end(finished?.outcome ?? 'cancelled', finished?.kind);
  }
}
