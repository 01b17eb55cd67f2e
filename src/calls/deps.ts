// What the use cases need from the running process, as one object built by the composition
// root (src/app/) and complete at construction.
import type { Catalog } from '../catalog/catalog.js';
import type { RoutingSnapshot } from '../routing/planner.js';
import type { ExecutorDeps } from '../routing/executor.js';
import type { PolicySnapshot, UnsupportedParameters } from '../routing/policy.js';
import type { DecisionRow } from '../store/repos/decisions.js';
import type { Money } from './metering.js';
import type { Limiter } from '../limits/limiter.js';
import type { ConcurrencyGate } from './admission.js';
import type { CallDeadlines } from './deadlines.js';
import type { CallTelemetry } from './observe.js';

export type CallSnapshot = RoutingSnapshot & { catalog: Catalog };

/** Stored routing decisions: recorded in batches, read back by id. */
export interface DecisionLog {
  record(row: DecisionRow): void;
  get(id: string): Promise<DecisionRow | null>;
}

export interface CallDeps {
  /** The current immutable routing snapshot (swapped atomically when config changes). */
  snapshot(): CallSnapshot;
  /** The config default for parameters a model does not accept (a policy may be stricter). */
  readonly unsupportedParameters: UnsupportedParameters;
  readonly executor: ExecutorDeps;
  readonly decisions: DecisionLog;
  /** Budgets and the usage ledger; undefined where a call spends nothing (routing-only tests). */
  readonly money: Money | undefined;
  /** Rate limits shared by the replicas (src/limits/); unset: none enforced. */
  readonly limiter?: Limiter | undefined;
  /** This replica's concurrent-call caps (calls/admission.ts); unset: none. */
  readonly admission?: ConcurrencyGate | undefined;
  /** The server's default and maximum deadline per RPC kind (calls/deadlines.ts); unset: none. */
  readonly deadlines?: CallDeadlines | undefined;
  /** Metrics, the per-call logger and access lines (calls/observe.ts); unset: nothing recorded. */
  readonly telemetry?: CallTelemetry | undefined;
  /** A stored policy version ("platform:2+tenant:acme:1") for what-if replays; errors name `field`. */
  policyAt(version: string, tenant: string, field: string): Promise<PolicySnapshot>;
}
