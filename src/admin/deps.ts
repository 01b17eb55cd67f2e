// What the admin use cases need from the running process, as one object the composition root
// (src/app/) builds once. Tests build it the same way over a real database.
import type { Catalog } from '../catalog/catalog.js';
import type { KeySpec } from '../config/load.js';
import type { Db } from '../store/db.js';
import type { KeyVault } from './key-vault.js';
import type { LimitIndex } from '../limits/limit-index.js';
import { changePublisher, type ChangePublisher, type PublishDeps } from './publish.js';

/** The parts of this replica's routing state the use cases read. */
export interface AdminState {
  /** Alias targets must name a model of the current catalog. */
  snapshot(): { readonly catalog: Catalog };
  /** The config file's API keys (hashes only): a budget may name one. */
  readonly configKeys: readonly KeySpec[];
  /** Rate limits in force (config and admin); unset where the state has none (tests). */
  limits?(): LimitIndex;
  /** Set when a shared limiter store is configured: without one, stored limits would not be enforced. */
  readonly limiter?: unknown;
}

export interface AdminDeps {
  db: Db;
  state: AdminState;
  /** Encrypts the provider keys AdminService is given (write-only: never decrypted here). */
  vault: KeyVault;
  changes: ChangePublisher;
  /** The server's environment: a provider may name its key by `api_key_env`. */
  env: NodeJS.ProcessEnv;
}

export function adminDeps(o: {
  db: Db;
  state: AdminState & PublishDeps['state'];
  vault: KeyVault;
  auth: PublishDeps['auth'];
  env?: NodeJS.ProcessEnv;
}): AdminDeps {
  return {
    db: o.db,
    state: o.state,
    vault: o.vault,
    changes: changePublisher({ db: o.db, state: o.state, auth: o.auth }),
    env: o.env ?? process.env,
  };
}
