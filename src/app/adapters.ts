// One provider adapter per configured provider, created when the snapshot changes (never per
// request) and reused: each holds keep-alive connection pools to its upstream.
import type { ProviderSpec } from '../config/load.js';
import { createAdapter } from '../providers/index.js';
import { DEFAULT_TIMEOUTS, type ProviderAdapter, type Timeouts } from '../providers/types.js';

export class AdapterRegistry {
  #byId = new Map<string, { spec: ProviderSpec; adapter: ProviderAdapter }>();

  constructor(private readonly timeouts: Timeouts = DEFAULT_TIMEOUTS) {}

  /** Re-creates adapters whose provider changed; drops removed ones. */
  update(specs: readonly ProviderSpec[]): void {
    const next = new Map<string, { spec: ProviderSpec; adapter: ProviderAdapter }>();
    for (const spec of specs) {
      const old = this.#byId.get(spec.id);
      if (old && sameEndpoint(old.spec, spec)) next.set(spec.id, old);
      else {
        next.set(spec.id, {
          spec,
          adapter: createAdapter({
            id: spec.id,
            kind: spec.kind,
            baseUrl: spec.baseUrl ?? '',
            apiKey: spec.apiKey,
            preset: spec.preset,
            timeouts: this.timeouts,
          }),
        });
      }
    }
    this.#byId = next;
  }

  get(providerId: string): ProviderAdapter | undefined {
    return this.#byId.get(providerId)?.adapter;
  }
}

function sameEndpoint(a: ProviderSpec, b: ProviderSpec): boolean {
  return a.kind === b.kind && a.baseUrl === b.baseUrl && a.preset === b.preset && a.apiKey?.reveal() === b.apiKey?.reveal();
}
