// Issue 12 §4: a replica SIGKILLed in the middle of a streamed Chat. The call held money on an
// escrow lease; its intent reached Postgres with the ledger flush after the reservation, so the
// surviving replica's sweeper settles it at the held amount: a ledger row 'abandoned', the
// budget charged exactly that, the rest of the lease given back. Real processes, real Postgres.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as grpc from '@grpc/grpc-js';
import { OpenAiFake } from '../fakes/openai.js';
import { freshPostgres, type FreshPostgres } from '../helpers/db.js';
import { spawnServer, type ServerProcess } from '../helpers/process.js';
import { bearer, grpcClients, userMessage, type Any } from './fixtures.js';

const KEY = 'sy_crash_e2e_tenant_key_0123456789';
const openai = new OpenAiFake();
let dir = '';
let configPath = '';
let db: FreshPostgres;
const servers: ServerProcess[] = [];

/** Polls `check` until it answers; fails after a bound far beyond a lease TTL and a few ticks. */
async function until<T>(check: () => Promise<T | undefined>, what: string): Promise<T> {
  for (let i = 0; i < 600; i++) {
    const v = await check();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

beforeAll(async () => {
  const url = await openai.start();
  // One delta, then the upstream stream stays open: the call is in flight when the replica dies.
  openai.script('hang', openai.render({ type: 'hang', text: 'thinking' }));
  dir = mkdtempSync(join(tmpdir(), 'sy-crash-'));
  configPath = join(dir, 'switchyard.yaml');
  writeFileSync(
    configPath,
    `
providers:
  - { id: oai, kind: openai, base_url: "${url}/v1", api_key_env: OAI_KEY }
models:
  - { id: oai/hang, provider: oai, upstream_model: hang, context_window: 100000, max_output_tokens: 1000, capabilities: [streaming], pricing: { input: 1000000, output: 2000000 } }
tenants:
  - id: acme
    keys:
      - { name: ci, key_env: TENANT_KEY }
budgets:
  - { tenant: acme, scope: tenant, period: total, limit_usd: "100" }
`,
  );
  db = await freshPostgres();
}, 60_000);

afterAll(async () => {
  await Promise.all(servers.map((s) => s.kill()));
  await db?.drop();
  await openai.stop();
  rmSync(dir, { recursive: true, force: true });
});

it('a call in flight on a SIGKILLed replica is settled at its hold by the sweeper, with an abandoned ledger row', async () => {
  const env: NodeJS.ProcessEnv = {
    DATABASE_URL: db.url,
    TENANT_KEY: KEY,
    OAI_KEY: 'sk-fake',
    SWITCHYARD_ADMIN_KEY: 'sy_admin_crash_e2e_0123456789',
    // Short leases so that the survivor sweeps the victim's soon after the kill.
    SWITCHYARD_BUDGET_LEASE_TTL_MS: '3000',
    SWITCHYARD_BUDGET_TICK_MS: '500',
  };
  const [victim, survivor] = await Promise.all([spawnServer({ configPath, env }), spawnServer({ configPath, env })]);
  servers.push(victim!, survivor!);

  const clients = grpcClients(victim!.grpcAddress);
  const stream = clients.router.Chat(
    { model: 'oai/hang', messages: [userMessage('hi')], options: { max_output_tokens: 500 }, request_id: 'in-flight' },
    bearer(KEY),
  ) as grpc.ClientReadableStream<Any>;
  stream.on('error', () => undefined);
  await new Promise<void>((resolve) => stream.on('data', (m: Any) => m.event === 'delta' && resolve()));

  // The intent is written by the ledger flush that follows the reservation.
  const intent = await until(async () => {
    const { rows } = await db.db.query<{ decision_id: string; held: bigint }>('SELECT decision_id, held FROM call_intents');
    return rows[0];
  }, 'the intent');
  expect(intent.held).toBeGreaterThan(0n);

  await victim!.kill();
  clients.close();

  const settled = await until(async () => {
    const { rows } = await db.db.query<{ decision_id: string; cost: bigint; request_id: string; tenant_id: string; model: string }>(
      `SELECT decision_id, cost, request_id, tenant_id, model FROM usage_ledger WHERE status = 'abandoned'`,
    );
    return rows[0];
  }, 'the abandoned ledger row');
  expect(settled).toEqual({
    decision_id: intent.decision_id,
    cost: intent.held,
    request_id: 'in-flight',
    tenant_id: 'acme',
    model: 'oai/hang',
  });

  const { rows: periods } = await db.db.query<{ spent: bigint; leased: bigint }>('SELECT spent, leased FROM budget_periods');
  expect(periods[0]).toEqual({ spent: intent.held, leased: 0n });
  const { rows: leases } = await db.db.query<{ state: string; consumed: bigint }>('SELECT state, consumed FROM budget_leases');
  expect(leases).toEqual([{ state: 'swept', consumed: intent.held }]);
  const { rows: left } = await db.db.query<{ n: number }>('SELECT count(*)::int AS n FROM call_intents');
  expect(left[0]!.n).toBe(0);

  expect(await survivor!.stop()).toBe(0);
}, 120_000);
