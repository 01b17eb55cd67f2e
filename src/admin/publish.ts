// The one thing every admin write does after it has committed: make the change visible.
//
// - This replica: the routing state (providers, models, aliases, route rules, policies,
//   budgets) is rebuilt at once, so the caller's next request already sees its change; the
//   key cache is dropped where a key or a tenant changed (a revoked key, a disabled tenant).
// - Every other replica: one NOTIFY. Admin changes go on CONFIG_CHANNEL, with the kind of change
//   as the payload; policy versions are announced on POLICY_CHANNEL by the store itself, inside
//   the append's transaction (store/repos/policies.ts), so that seeding from a config file is
//   announced too. A replica that missed a notification catches up on its periodic re-read.
//
// A use case calls publishChange() exactly once, after its transaction commits (a NOTIFY sent
// before would let another replica re-read rows that are not there yet).
import { notify, type Queryable } from '../store/db.js';

/** NOTIFY channel announcing admin changes (providers, models, aliases, routes, budgets, tenants, keys). */
export const CONFIG_CHANNEL = 'switchyard_config';

/** What changed: the store's entity names. Sent as the CONFIG_CHANNEL payload. */
export type ChangeKind = 'tenant' | 'api_key' | 'provider' | 'model_override' | 'alias' | 'route_rule' | 'budget' | 'rate_limit' | 'policy';

interface Effects {
  /** Rebuild this replica's routing state. */
  reload: boolean;
  /** NOTIFY CONFIG_CHANNEL (false where the store has announced the change already). */
  notify: boolean;
  /** Drop this replica's cached key lookups. */
  auth: boolean;
}

const ROUTING: Effects = { reload: true, notify: true, auth: false };

/**
 * What each kind of change needs. A tenant's deletion cascades to its keys and budgets (and a
 * disabled tenant's keys stop working), so tenants reload as well as drop the key cache. Keys
 * change no routing state; their NOTIFY lets other replicas drop their key caches too (until
 * they do, a revoked key works there for at most the cache's lifetime, auth.ts).
 */
export const EFFECTS: Readonly<Record<ChangeKind, Effects>> = {
  tenant: { reload: true, notify: true, auth: true },
  api_key: { reload: false, notify: true, auth: true },
  provider: ROUTING,
  model_override: ROUTING,
  alias: ROUTING,
  route_rule: ROUTING,
  budget: ROUTING,
  rate_limit: ROUTING,
  policy: { reload: true, notify: false, auth: false },
};

export interface ChangePublisher {
  publishChange(kind: ChangeKind): Promise<void>;
}

export interface PublishDeps {
  db: Queryable;
  /** This replica's routing state. */
  state: { reload(): Promise<unknown> };
  /** This replica's cache of key lookups. */
  auth: { invalidate(): void };
}

export function changePublisher(d: PublishDeps): ChangePublisher {
  return {
    async publishChange(kind) {
      const e = EFFECTS[kind];
      if (e.auth) d.auth.invalidate();
      try {
        if (e.reload) await d.state.reload();
      } finally {
        // The other replicas are told even when this one failed to re-read: the change is committed.
        if (e.notify) await notify(d.db, CONFIG_CHANNEL, kind);
      }
    },
  };
}
