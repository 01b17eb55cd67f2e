// Prometheus metrics of one replica. prom-client rather than a hand-written exposition: it is
// the de facto Node client (text format and escaping, histograms, the standard process_* and
// nodejs_* metrics), and a Registry per instance lets every test read a fresh set.
//
// The use cases (src/calls/) record through the CallMetrics interface, so every way in is
// measured alike; gauges of state owned elsewhere (queues, circuits, budgets, the catalog) are
// read when scraped, through the sources the composition root hands to watch().
//
// Label values are provider ids, model ids, RPC names, outcome and error kinds, budget ids and
// (only when enabled, capped) tenant ids: never a key, a request's content or a free-form message.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export type Rpc = 'Chat' | 'Embed' | 'Route';
/** How a call ended: served, ended with an error, cancelled by its caller, or refused before dispatch. */
export type Outcome = 'ok' | 'error' | 'cancelled' | 'refused';

/** One call being measured; every method may be called in any order, end() last. */
export interface CallObservation {
  /** An attempt was sent to this upstream endpoint (provider + model). */
  dispatched(provider: string, model: string): void;
  attemptFailed(provider: string, model: string, kind: string, retrying: boolean): void;
  /** The endpoint that served a call whose attempts were not seen one by one (Embed). */
  served(provider: string, model: string): void;
  firstToken(): void;
  /** The upstream is done (its last event arrived): what follows is Switchyard's own time. */
  upstreamEnded(): void;
  usage(inputTokens: number, outputTokens: number, costPico: bigint): void;
  end(outcome: Outcome, errorKind?: string): void;
}

export interface CallMetrics {
  begin(rpc: Rpc, tenant: string): CallObservation;
  budgetRefused(budgetId: string): void;
}

export type CircuitState = 'closed' | 'open' | 'half_open';

/** State owned elsewhere, read at scrape time. Every source is optional. */
export interface MetricSources {
  ledgerPending?: () => number;
  /** Ledger batches (not rows) spooled to disk while the database is behind. */
  ledgerSpooled?: () => number;
  decisions?: () => { pending: number; spooled: number; dropped: number };
  circuitState?: (provider: string, model: string) => CircuitState;
  budgets?: () => Iterable<{ id: string; limit: bigint }>;
  catalogVersion?: () => string;
}

export interface MetricsOptions {
  /** Add a `tenant` label to requests, tokens and cost (off by default: cardinality). */
  tenantLabel?: boolean;
  /** Distinct tenant values kept; later tenants are counted under "_other". */
  maxTenants?: number;
  /** The process_* and nodejs_* metrics (on by default). */
  processMetrics?: boolean;
}

const SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];
const OVERHEAD_SECONDS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1];
const STATES: readonly CircuitState[] = ['closed', 'open', 'half_open'];
export const OTHER_TENANT = '_other';

export class PromMetrics implements CallMetrics {
  readonly registry = new Registry();
  readonly #tenantLabel: boolean;
  readonly #maxTenants: number;
  readonly #tenants = new Set<string>();
  /** Endpoints this replica has dispatched to: the circuits worth reporting. */
  readonly #endpoints = new Map<string, { provider: string; model: string }>();
  #sources: MetricSources = {};

  readonly #requests: Counter;
  readonly #errors: Counter;
  readonly #duration: Histogram;
  readonly #ttft: Histogram;
  readonly #overhead: Histogram;
  readonly #tokens: Counter;
  readonly #cost: Counter;
  readonly #inFlight: Gauge;
  readonly #attempts: Counter;
  readonly #attemptFailures: Counter;
  readonly #retries: Counter;
  readonly #fallbacks: Counter;
  readonly #budgetRefusals: Counter;

  constructor(opts: MetricsOptions = {}) {
    this.#tenantLabel = opts.tenantLabel ?? false;
    this.#maxTenants = opts.maxTenants ?? 100;
    const r = [this.registry];
    const t = this.#tenantLabel ? ['tenant'] : [];
    this.#requests = new Counter({
      name: 'switchyard_requests_total',
      help: 'Calls by RPC, serving provider and model, and outcome (ok, error, cancelled, refused).',
      labelNames: ['rpc', 'provider', 'model', 'outcome', ...t],
      registers: r,
    });
    this.#errors = new Counter({
      name: 'switchyard_request_errors_total',
      help: 'Calls that did not end ok, by RPC and error kind.',
      labelNames: ['rpc', 'kind'],
      registers: r,
    });
    this.#duration = new Histogram({
      name: 'switchyard_request_duration_seconds',
      help: 'Whole call duration, from the use case starting to its end.',
      labelNames: ['rpc', 'outcome'],
      buckets: SECONDS,
      registers: r,
    });
    this.#ttft = new Histogram({
      name: 'switchyard_time_to_first_token_seconds',
      help: 'Chat: time from the call starting to its first content event.',
      labelNames: ['provider', 'model'],
      buckets: SECONDS,
      registers: r,
    });
    this.#overhead = new Histogram({
      name: 'switchyard_overhead_seconds',
      help: "Switchyard's own time in a call: before the first upstream dispatch and after the upstream ended.",
      labelNames: ['rpc'],
      buckets: OVERHEAD_SECONDS,
      registers: r,
    });
    this.#tokens = new Counter({
      name: 'switchyard_tokens_total',
      help: 'Tokens by direction (input, output), as billed.',
      labelNames: ['rpc', 'provider', 'model', 'direction', ...t],
      registers: r,
    });
    this.#cost = new Counter({
      name: 'switchyard_cost_picousd_total',
      help: 'Cost of served calls in pico-USD (1e-12 USD).',
      labelNames: ['provider', 'model', ...t],
      registers: r,
    });
    this.#inFlight = new Gauge({ name: 'switchyard_calls_in_flight', help: 'Calls running now.', labelNames: ['rpc'], registers: r });
    this.#attempts = new Counter({
      name: 'switchyard_upstream_attempts_total',
      help: 'Requests sent to an upstream endpoint (first tries, retries and fallbacks).',
      labelNames: ['provider', 'model'],
      registers: r,
    });
    this.#attemptFailures = new Counter({
      name: 'switchyard_upstream_attempt_failures_total',
      help: 'Upstream attempts that failed, by error kind.',
      labelNames: ['provider', 'model', 'kind'],
      registers: r,
    });
    this.#retries = new Counter({
      name: 'switchyard_upstream_retries_total',
      help: 'Failed attempts retried on the same endpoint.',
      labelNames: ['provider', 'model'],
      registers: r,
    });
    this.#fallbacks = new Counter({
      name: 'switchyard_fallbacks_total',
      help: 'Calls moved on to another endpoint, by the endpoint fallen back to.',
      labelNames: ['provider', 'model'],
      registers: r,
    });
    this.#budgetRefusals = new Counter({
      name: 'switchyard_budget_refusals_total',
      help: 'Calls refused because a budget had no room, by budget.',
      labelNames: ['budget'],
      registers: r,
    });
    this.#scraped();
    if (opts.processMetrics ?? true) {
      collectDefaultMetrics({ register: this.registry });
      // Gauges named like counters, which `promtool check metrics` rejects; their per-type
      // breakdowns (nodejs_active_handles, _requests, _resources) carry the same numbers.
      for (const name of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']) {
        this.registry.removeSingleMetric(name);
      }
    }
  }

  /** Where scrape-time gauges read from (the composition root calls it once). */
  watch(sources: MetricSources): void {
    this.#sources = sources;
  }

  render(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  budgetRefused(budgetId: string): void {
    this.#budgetRefusals.inc({ budget: budgetId });
  }

  begin(rpc: Rpc, tenant: string): CallObservation {
    const m = this;
    const t0 = performance.now();
    const tenantLabels = m.#tenantLabels(tenant);
    let provider = '';
    let model = '';
    let dispatchedAt: number | undefined;
    let upstreamEndedAt: number | undefined;
    let firstTokenSeen = false;
    let ended = false;
    m.#inFlight.inc({ rpc });
    return {
      dispatched(p, mdl) {
        if (provider !== '' && (p !== provider || mdl !== model)) m.#fallbacks.inc({ provider: p, model: mdl });
        provider = p;
        model = mdl;
        dispatchedAt ??= performance.now();
        m.#endpoints.set(`${p}\u0000${mdl}`, { provider: p, model: mdl });
        m.#attempts.inc({ provider: p, model: mdl });
      },
      served(p, mdl) {
        provider = p;
        model = mdl;
      },
      attemptFailed(p, mdl, kind, retrying) {
        m.#attemptFailures.inc({ provider: p, model: mdl, kind });
        if (retrying) m.#retries.inc({ provider: p, model: mdl });
      },
      firstToken() {
        if (firstTokenSeen) return;
        firstTokenSeen = true;
        m.#ttft.observe({ provider, model }, (performance.now() - t0) / 1000);
      },
      upstreamEnded() {
        upstreamEndedAt ??= performance.now();
      },
      usage(inputTokens, outputTokens, costPico) {
        m.#tokens.inc({ rpc, provider, model, direction: 'input', ...tenantLabels }, inputTokens);
        m.#tokens.inc({ rpc, provider, model, direction: 'output', ...tenantLabels }, outputTokens);
        m.#cost.inc({ provider, model, ...tenantLabels }, Number(costPico));
      },
      end(outcome, errorKind) {
        if (ended) return;
        ended = true;
        const now = performance.now();
        m.#inFlight.dec({ rpc });
        m.#requests.inc({ rpc, provider, model, outcome, ...tenantLabels });
        if (outcome !== 'ok') m.#errors.inc({ rpc, kind: errorKind ?? outcome });
        m.#duration.observe({ rpc, outcome }, (now - t0) / 1000);
        // Route never dispatches: all of it is Switchyard's own time.
        const before = (dispatchedAt ?? now) - t0;
        const after = upstreamEndedAt === undefined ? 0 : now - upstreamEndedAt;
        if (rpc === 'Route' || dispatchedAt !== undefined) m.#overhead.observe({ rpc }, (before + after) / 1000);
      },
    };
  }

  #tenantLabels(tenant: string): { tenant?: string } {
    if (!this.#tenantLabel) return {};
    if (this.#tenants.has(tenant)) return { tenant };
    if (this.#tenants.size < this.#maxTenants) {
      this.#tenants.add(tenant);
      return { tenant };
    }
    return { tenant: OTHER_TENANT };
  }

  /** Gauges whose values live elsewhere: set from the sources at each scrape. */
  #scraped(): void {
    const m = this;
    const r = [this.registry];
    new Gauge({
      name: 'switchyard_queue_depth',
      help: 'Rows waiting to be written, by queue (ledger, decisions).',
      labelNames: ['queue'],
      registers: r,
      collect() {
        this.reset();
        const s = m.#sources;
        if (s.ledgerPending) this.set({ queue: 'ledger' }, s.ledgerPending());
        if (s.decisions) this.set({ queue: 'decisions' }, s.decisions().pending);
      },
    });
    new Gauge({
      name: 'switchyard_decisions_spooled',
      help: 'Decision records spooled to disk while the database is behind.',
      registers: r,
      collect() {
        this.set(m.#sources.decisions?.().spooled ?? 0);
      },
    });
    new Gauge({
      name: 'switchyard_ledger_spooled_batches',
      help: 'Usage ledger batches spooled to disk while the database is behind (replayed exactly once).',
      registers: r,
      collect() {
        this.set(m.#sources.ledgerSpooled?.() ?? 0);
      },
    });
    new Counter({
      name: 'switchyard_decisions_dropped_total',
      help: 'Decision records dropped because the queue and the spool were full.',
      registers: r,
      collect() {
        this.reset();
        this.inc(m.#sources.decisions?.().dropped ?? 0);
      },
    });
    new Gauge({
      name: 'switchyard_circuit_state',
      help: 'Circuit breaker state per upstream endpoint: 1 for the current state, 0 for the others.',
      labelNames: ['provider', 'model', 'state'],
      registers: r,
      collect() {
        this.reset();
        const stateOf = m.#sources.circuitState;
        if (!stateOf) return;
        for (const { provider, model } of m.#endpoints.values()) {
          const current = stateOf(provider, model);
          for (const state of STATES) this.set({ provider, model, state }, state === current ? 1 : 0);
        }
      },
    });
    new Gauge({
      name: 'switchyard_budget_limit_picousd',
      help: 'Spending limit of each budget per period, in pico-USD.',
      labelNames: ['budget'],
      registers: r,
      collect() {
        this.reset();
        for (const b of m.#sources.budgets?.() ?? []) this.set({ budget: b.id }, Number(b.limit));
      },
    });
    new Gauge({
      name: 'switchyard_catalog_info',
      help: 'The model catalog version in use (always 1).',
      labelNames: ['version'],
      registers: r,
      collect() {
        this.reset();
        const v = m.#sources.catalogVersion?.();
        if (v !== undefined) this.set({ version: v }, 1);
      },
    });
  }
}

/** For callers without metrics (routing-only tests): records nothing. */
export const noMetrics: CallMetrics = {
  begin: () => ({
    dispatched() {},
    attemptFailed() {},
    served() {},
    firstToken() {},
    upstreamEnded() {},
    usage() {},
    end() {},
  }),
  budgetRefused() {},
};
