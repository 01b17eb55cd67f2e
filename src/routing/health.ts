// Health of upstream endpoints (provider + model), as the planner sees it: EWMA latency, EWMA
// time to first token, EWMA error rate, in-flight count, sample count, and the circuit state of
// each endpoint (from the BreakerRegistry). The executor feeds the tracker through attempt hooks;
// requests read an immutable snapshot.
//
// Values are quantised when written (integer ms, error rate in per-mille), so what the planner
// reads is exactly what a decision record stores, and a replay is bit-for-bit identical.
//
// Cost: snapshot() is O(1) plus the breaker snapshot. The endpoint map is copy-on-write: a
// mutation copies it only when a snapshot handed out since the last copy still shares it, so
// at most one copy (of the endpoints that have seen traffic, never the catalog) per snapshot.
import type { BreakerRegistry } from './breaker.js';

export interface EndpointHealth {
  /** EWMA of the duration of successful attempts, integer ms; 0 = no sample yet. */
  readonly latencyMs: number;
  /** EWMA time from attempt start to the first content event, integer ms; 0 = no sample yet. */
  readonly ttftMs: number;
  /** EWMA error rate in per-mille (0..1000). */
  readonly errorPermille: number;
  readonly inFlight: number;
  /** Completed attempts that counted (successes and endpoint failures). */
  readonly samples: number;
}

export interface HealthSnapshot {
  /** Keyed by endpointKey(provider, model); only endpoints that have seen traffic. */
  readonly endpoints: ReadonlyMap<string, EndpointHealth>;
  /** Endpoints (endpointKey) whose breaker is not closed ('open' | 'half_open'). */
  readonly circuits: ReadonlyMap<string, string>;
}

export const EMPTY_HEALTH: HealthSnapshot = Object.freeze({ endpoints: new Map(), circuits: new Map() });

/** Provider ids cannot contain ':' (config schema), so the first ':' splits the key. */
export function endpointKey(provider: string, model: string): string {
  return `${provider}:${model}`;
}

export type AttemptOutcome = 'ok' | 'error' | 'neutral';

/** One attempt in flight. Both hooks are idempotent: the first onFinish wins. */
export interface HealthAttempt {
  onFirstToken(): void;
  /** ok: success; error: counts against the endpoint; neutral: cancelled or a client error. */
  onFinish(outcome: AttemptOutcome): void;
}

/** What the executor needs (ExecutorDeps.health). */
export interface HealthHooks {
  onStart(provider: string, model: string): HealthAttempt;
}

/** A tracker: hooks for the executor, a snapshot for the planner. */
export interface HealthSource extends HealthHooks {
  snapshot(): HealthSnapshot;
  /** One endpoint's current entry (by endpointKey), without the cost of a snapshot. */
  endpoint?(key: string): EndpointHealth | undefined;
}

/** The health a plan should read: the tracker's, else just the circuit states. */
export function healthSnapshotOf(deps: { health?: HealthSource | undefined; breakers: BreakerRegistry }): HealthSnapshot {
  return deps.health ? deps.health.snapshot() : { endpoints: EMPTY_HEALTH.endpoints, circuits: deps.breakers.snapshot() };
}

export interface HealthOptions {
  /** Weight of a new latency / time-to-first-token sample. */
  latencyAlpha: number;
  /** Weight of a new outcome in the error rate: slower, one failure should not dominate. */
  errorAlpha: number;
}

export const DEFAULT_HEALTH: HealthOptions = { latencyAlpha: 0.2, errorAlpha: 0.1 };

/** Unquantised running state of one endpoint. */
class Stats {
  latency = 0;
  ttft = 0;
  errors = 0;
  ttftSamples = 0;
  okSamples = 0;
  samples = 0;
  inFlight = 0;
}

export class HealthTracker implements HealthSource {
  readonly #stats = new Map<string, Stats>();
  #view = new Map<string, EndpointHealth>();
  /** A snapshot handed out still references #view: copy before the next write. */
  #shared = false;

  constructor(
    private readonly breakers?: BreakerRegistry,
    private readonly now: () => number = () => performance.now(),
    private readonly opts: HealthOptions = DEFAULT_HEALTH,
  ) {}

  snapshot(): HealthSnapshot {
    this.#shared = true;
    return Object.freeze({ endpoints: this.#view, circuits: this.breakers?.snapshot() ?? EMPTY_HEALTH.circuits });
  }

  endpoint(key: string): EndpointHealth | undefined {
    return this.#view.get(key);
  }

  onStart(provider: string, model: string): HealthAttempt {
    const key = endpointKey(provider, model);
    let s = this.#stats.get(key);
    if (!s) this.#stats.set(key, (s = new Stats()));
    const stats = s;
    stats.inFlight++;
    this.#publish(key, stats);
    const started = this.now();
    let first = false;
    let done = false;
    return {
      onFirstToken: () => {
        if (first || done) return;
        first = true;
        stats.ttft = ewma(stats.ttft, this.now() - started, stats.ttftSamples++ === 0, this.opts.latencyAlpha);
        this.#publish(key, stats);
      },
      onFinish: (outcome) => {
        if (done) return;
        done = true;
        stats.inFlight--;
        if (outcome !== 'neutral') {
          const initial = stats.samples++ === 0;
          stats.errors = ewma(stats.errors, outcome === 'error' ? 1 : 0, initial, this.opts.errorAlpha);
          // A failure's duration says nothing about how fast the endpoint answers.
          if (outcome === 'ok') {
            stats.latency = ewma(stats.latency, this.now() - started, stats.okSamples++ === 0, this.opts.latencyAlpha);
          }
        }
        this.#publish(key, stats);
      },
    };
  }

  /** Writes the quantised entry of one endpoint (copy-on-write when a snapshot shares the map). */
  #publish(key: string, s: Stats): void {
    if (this.#shared) {
      this.#view = new Map(this.#view);
      this.#shared = false;
    }
    this.#view.set(
      key,
      Object.freeze({
        // At least 1 ms once measured, so 0 keeps meaning "no sample".
        latencyMs: s.okSamples > 0 ? Math.max(1, Math.round(s.latency)) : 0,
        ttftMs: s.ttftSamples > 0 ? Math.max(1, Math.round(s.ttft)) : 0,
        errorPermille: Math.round(s.errors * 1000),
        inFlight: s.inFlight,
        samples: s.samples,
      }),
    );
  }
}

function ewma(prev: number, sample: number, initial: boolean, alpha: number): number {
  return initial ? sample : prev + alpha * (sample - prev);
}

/** Health rows as stored in a decision record (only the endpoints the plan considered). */
export interface StoredHealth {
  provider: string;
  model: string;
  latencyMs: number;
  ttftMs: number;
  errorPermille: number;
  inFlight: number;
  samples: number;
}

export function storedHealth(h: HealthSnapshot, endpoints: Iterable<{ provider: string; model: string }>): StoredHealth[] {
  const out: StoredHealth[] = [];
  const seen = new Set<string>();
  for (const { provider, model } of endpoints) {
    const key = endpointKey(provider, model);
    const e = h.endpoints.get(key);
    if (!e || seen.has(key)) continue;
    seen.add(key);
    out.push({ provider, model, ...e });
  }
  return out;
}

export function healthFromStored(
  rows: readonly StoredHealth[] | undefined,
  circuits: readonly [string, string][] | undefined,
): HealthSnapshot {
  const endpoints = new Map<string, EndpointHealth>();
  for (const r of rows ?? []) {
    endpoints.set(endpointKey(r.provider, r.model), {
      latencyMs: r.latencyMs,
      ttftMs: r.ttftMs,
      errorPermille: r.errorPermille,
      inFlight: r.inFlight,
      samples: r.samples,
    });
  }
  return { endpoints, circuits: new Map(circuits ?? []) };
}
