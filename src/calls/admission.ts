// Admission control on this replica: at most N calls at once in total and per tenant, counted
// in memory. src/limits/ holds the cross-replica limits in Redis (what a tenant bought); this
// cap is what one process can carry (sockets, memory, event-loop time), so it needs no shared
// store and costs no round trip. Chat and Embed count; Route does not: it only plans, in
// microseconds, and holds nothing while it runs. A refused call is RESOURCE_EXHAUSTED with
// RetryInfo (HTTP 429 + retry-after): a slot frees as soon as any call ends, so the hint is a
// short backoff, not a computed time.
import { SwitchyardError } from '../errors.js';
import type { Caller } from './caller.js';

export interface AdmissionLimits {
  /** Calls at once on this replica; undefined: no cap. */
  maxConcurrentCalls?: number | undefined;
  /** Calls at once per tenant on this replica; undefined: no cap. */
  maxConcurrentCallsPerTenant?: number | undefined;
}

/** What a refused caller is told to wait before retrying. */
export const ADMISSION_RETRY_AFTER_MS = 1000;
export const TOO_MANY_CONCURRENT_CALLS = 'TOO_MANY_CONCURRENT_CALLS';

export class ConcurrencyGate {
  #limits: AdmissionLimits;
  #total = 0;
  readonly #perTenant = new Map<string, number>();

  constructor(limits: AdmissionLimits = {}) {
    this.#limits = limits;
  }

  /** New caps (a config reload); calls already admitted keep their slots. */
  setLimits(limits: AdmissionLimits): void {
    this.#limits = limits;
  }

  /** Calls running now, in total and for one tenant. */
  inFlight(tenant?: string): number {
    return tenant === undefined ? this.#total : (this.#perTenant.get(tenant) ?? 0);
  }

  /** Takes a slot or throws RESOURCE_EXHAUSTED; the returned function gives it back (once). */
  acquire(caller: Caller): () => void {
    const { maxConcurrentCalls: max, maxConcurrentCallsPerTenant: perTenant } = this.#limits;
    const tenant = caller.tenant;
    const mine = this.#perTenant.get(tenant) ?? 0;
    if (max !== undefined && this.#total >= max) throw refused('replica', max, tenant);
    if (perTenant !== undefined && mine >= perTenant) throw refused('tenant', perTenant, tenant);
    this.#total++;
    this.#perTenant.set(tenant, mine + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#total--;
      const n = (this.#perTenant.get(tenant) ?? 1) - 1;
      if (n > 0) this.#perTenant.set(tenant, n);
      else this.#perTenant.delete(tenant);
    };
  }
}

function refused(scope: 'replica' | 'tenant', limit: number, tenant: string): SwitchyardError {
  const whom = scope === 'replica' ? 'this replica' : `tenant ${tenant || '(none)'} on this replica`;
  return new SwitchyardError('resource_exhausted', `too many concurrent calls: ${limit} at once for ${whom}; retry shortly`, {
    reason: TOO_MANY_CONCURRENT_CALLS,
    metadata: { scope, limit: String(limit), tenant, retry_after_ms: String(ADMISSION_RETRY_AFTER_MS) },
  });
}

/** A stream that holds a slot from its first pull until it ends, however it ends. */
export async function* admitted<T>(gate: ConcurrencyGate | undefined, caller: Caller, run: () => AsyncGenerator<T>): AsyncGenerator<T> {
  const release = gate?.acquire(caller);
  try {
    yield* run();
  } finally {
    release?.();
  }
}

/** A unary call that holds a slot while it runs. */
export async function admittedOnce<T>(gate: ConcurrencyGate | undefined, caller: Caller, run: () => Promise<T>): Promise<T> {
  const release = gate?.acquire(caller);
  try {
    return await run();
  } finally {
    release?.();
  }
}
