// The admin use cases in-process, with no port: a fresh Postgres database seeded from a config
// file, a real RuntimeState, and a second connection standing in for another replica that
// LISTENs to both change channels. Reloads and key-cache drops are counted on the way through.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { adminDeps, type AdminDeps } from '../../src/admin/deps.js';
import { KeyVault } from '../../src/admin/key-vault.js';
import { CONFIG_CHANNEL } from '../../src/admin/publish.js';
import { seedFromConfig } from '../../src/admin/seed.js';
import { RuntimeState } from '../../src/app/state.js';
import { loadConfig } from '../../src/config/load.js';
import { silentLogger } from '../../src/log.js';
import { notify, type Db } from '../../src/store/db.js';
import { openDb } from '../../src/store/open.js';
import { POLICY_CHANNEL } from '../../src/store/repos/policies.js';
import { freshPostgres, type FreshPostgres } from '../helpers/db.js';

/** 32 bytes as 64 hex digits (the vault's AES-256-GCM key). */
export const SECRET_KEY = 'b2'.repeat(32);
export const OPENAI_KEY = 'sk-admin-use-case-test-0123456789';

export const CONFIG_YAML = `
providers:
  - id: openai
    kind: openai
    api_key_env: OPENAI_KEY
tenants:
  - id: acme
    name: Acme Corp
    keys:
      - { name: ci, key_env: ACME_KEY }
budgets:
  - { tenant: acme, scope: tenant, period: month, limit_usd: "100" }
`;

export interface Notice {
  channel: string;
  payload: string;
}

/** What one call made happen: reloads of this replica, key-cache drops, notifications seen by the other replica. */
export interface Observed<T> {
  result: T;
  reloads: number;
  invalidations: number;
  notices: Notice[];
}

export interface AdminHarness {
  deps: AdminDeps;
  state: RuntimeState;
  pg: FreshPostgres;
  /** The other replica's connection. */
  replica: Db;
  /** Runs `fn` and reports what it caused, every notification it sent included. */
  observe<T>(fn: () => Promise<T>): Promise<Observed<T>>;
  close(): Promise<void>;
}

export async function adminHarness(yaml = CONFIG_YAML): Promise<AdminHarness> {
  const pg = await freshPostgres();
  const env: NodeJS.ProcessEnv = { OPENAI_KEY, ACME_KEY: 'sy_acme_admin_use_case_key_0123456789' };
  const dir = mkdtempSync(join(tmpdir(), 'sy-admin-'));
  writeFileSync(join(dir, 'switchyard.yaml'), yaml);
  const config = loadConfig({ config: join(dir, 'switchyard.yaml') }, env);
  await seedFromConfig(pg.db, config);

  const vault = new KeyVault(SECRET_KEY);
  const state = new RuntimeState({
    config,
    db: pg.db,
    vault,
    log: silentLogger,
    env,
    decisions: { record: () => undefined, get: async () => null },
  });
  await state.reload();

  let reloads = 0;
  let invalidations = 0;
  const counted = {
    reload: () => (reloads++, state.reload()),
    snapshot: () => state.snapshot(),
    get configKeys() {
      return state.configKeys;
    },
  };
  const deps = adminDeps({ db: pg.db, state: counted, vault, auth: { invalidate: () => void invalidations++ }, env });

  const replica = await openDb({ databaseUrl: pg.url, poolSize: 2 });
  const notices: Notice[] = [];
  const unlisten = await Promise.all(
    [CONFIG_CHANNEL, POLICY_CHANNEL].map((channel) => replica.listen(channel, (payload) => notices.push({ channel, payload }))),
  );

  let round = 0;
  const waitFor = async (pred: () => boolean) => {
    const end = Date.now() + 5_000;
    while (!pred()) {
      if (Date.now() > end) throw new Error('the other replica saw no notification');
      await new Promise((r) => setTimeout(r, 5));
    }
  };

  return {
    deps,
    state,
    pg,
    replica,
    async observe(fn) {
      reloads = 0;
      invalidations = 0;
      notices.length = 0;
      const outcome = await fn().then(
        (result) => ({ ok: true as const, result }),
        (error: unknown) => ({ ok: false as const, error }),
      );
      // Postgres delivers notifications in commit order: once a marker sent after the call
      // arrives on each channel, every notification the call sent has arrived too.
      const marker = `marker-${++round}`;
      await notify(pg.db, CONFIG_CHANNEL, marker);
      await notify(pg.db, POLICY_CHANNEL, marker);
      await waitFor(() => notices.filter((n) => n.payload === marker).length === 2);
      const seen = { reloads, invalidations, notices: notices.filter((n) => !n.payload.startsWith('marker-')) };
      if (!outcome.ok) throw Object.assign(outcome.error as object, { observed: seen });
      return { result: outcome.result, ...seen };
    },
    async close() {
      await Promise.all(unlisten.map((u) => u()));
      await replica.close();
      await pg.drop();
    },
  };
}

/** Runs `fn`, expecting it to fail; returns the error and what the failed call caused. */
export async function observeFailure(
  h: AdminHarness,
  fn: () => Promise<unknown>,
): Promise<{ error: Error & { kind?: string; reason?: string; violations?: Array<{ field: string }> } } & Omit<Observed<never>, 'result'>> {
  try {
    await h.observe(fn);
  } catch (err) {
    const e = err as Error & { observed: Omit<Observed<never>, 'result'> };
    return { error: e, ...e.observed };
  }
  throw new Error('expected the call to fail');
}
