// A re-read config file applied to a running replica (SIGHUP, `switchyard serve`). The file was
// already parsed and validated by loadConfig (an invalid one never gets here: the caller logs
// every error and keeps the running config). What a running process cannot change in place
// (listen addresses, the database, the rate limiter's store, data lifecycle) is reported and
// left as it was until a restart.
import type { Caller } from '../calls/caller.js';
import type { ResolvedConfig } from '../config/load.js';
import type { Logger } from '../log.js';
import type { Db } from '../store/db.js';
import { seedFromConfig } from '../admin/seed.js';
import { configLimits } from '../admin/limit-config.js';
import { configKeyId } from '../admin/budget-config.js';
import { assertConfigPolicies } from '../routing/policy-config.js';
import type { RuntimeState } from './state.js';

export interface ReloadDeps {
  db: Db;
  state: RuntimeState;
  log: Logger;
  /** The authenticator's map of config keys, replaced in place (it holds it by reference). */
  staticKeys: Map<string, Caller>;
  /** Drops cached key lookups, so a key removed from the file stops working at once. */
  invalidateAuth: () => void;
  devMode: boolean;
}

/** Settings read once at start-up: a change is logged as needing a restart. */
const RESTART_ONLY: ReadonlyArray<[keyof ResolvedConfig, string]> = [
  ['grpcListen', 'server.grpc_listen'],
  ['httpListen', 'server.http_listen'],
  ['dataDir', 'server.data_dir'],
  ['databaseUrl', 'DATABASE_URL'],
  ['maxMessageBytes', 'server.max_message_bytes'],
  ['limiter', 'limiter'],
  ['dataLifecycle', 'decisions / usage_ledger'],
];

/** Applies `next` over `current`; throws (ConfigError) when a rule beyond the schema fails. */
export async function applyConfig(deps: ReloadDeps, current: ResolvedConfig, next: ResolvedConfig): Promise<void> {
  // The checks that need routing's rules run before anything is changed.
  assertConfigPolicies(next);
  const restart = RESTART_ONLY.filter(([k]) => JSON.stringify(current[k]) !== JSON.stringify(next[k])).map(([, name]) => name);
  if (restart.length > 0) deps.log.warn('config reload: these settings change only at a restart', { settings: restart });
  if (deps.devMode && (next.keys.length > 0 || next.adminKeyHash)) {
    deps.log.warn('config reload: API keys were added while in dev mode; restart to leave dev mode');
  }
  await seedFromConfig(deps.db, next);
  const limits = await configLimits(deps.db, next);
  await deps.state.replaceConfig(next, limits);
  replaceKeys(deps.staticKeys, next);
  deps.invalidateAuth();
}

/** The config file's keys and the bootstrap admin key, as the authenticator looks them up. */
export function staticKeys(config: ResolvedConfig): Map<string, Caller> {
  const keys = new Map<string, Caller>();
  if (config.adminKeyHash) keys.set(config.adminKeyHash, { tenant: '', admin: true, keyId: 'bootstrap-admin' });
  for (const k of config.keys) keys.set(k.hash, { tenant: k.tenant, admin: false, keyId: configKeyId(k) });
  return keys;
}

function replaceKeys(into: Map<string, Caller>, config: ResolvedConfig): void {
  const next = staticKeys(config);
  into.clear();
  for (const [hash, caller] of next) into.set(hash, caller);
}
