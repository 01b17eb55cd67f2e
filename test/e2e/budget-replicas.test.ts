// The budget invariant across real replicas: three `switchyard serve` processes on one Postgres
// database share one budget; 500 concurrent Chats of known cost go through them against a
// fake OpenAI upstream. Settled spend stays within the limit, the surplus is refused with
// RESOURCE_EXHAUSTED before any upstream call, the ledger equals what the upstream reported,
// and after a graceful shutdown no lease is left open. Then: SIGKILL one replica mid-load; the
// others keep serving and its leases are swept back.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as grpc from '@grpc/grpc-js';
import { OpenAiFake } from '../fakes/openai.js';
import { freshPostgres, type FreshPostgres } from '../helpers/db.js';
import { spawnServer, type ServerProcess } from '../helpers/process.js';
import { bearer, details, grpcClients, userMessage, type Any, type Clients } from './fixtures.js';

const KEY = 'sy_budget_e2e_tenant_key_0123456789';
const IN_PRICE = 1_000_000n; // pico-USD per input token ($1 / M)
const OUT_PRICE = 2_000_000n; // $2 / M
const MAX_OUT = 50;
/** What the fake upstream reports for every call. */
const USAGE = { inputTokens: 1, outputTokens: MAX_OUT };
const CALL_COST = BigInt(USAGE.inputTokens) * IN_PRICE + BigInt(USAGE.outputTokens) * OUT_PRICE;

const openai = new OpenAiFake();
let configPath = '';
const env = (db: FreshPostgres, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({
  DATABASE_URL: db.url,
  TENANT_KEY: KEY,
  OAI_KEY: 'sk-fake',
  SWITCHYARD_ADMIN_KEY: 'sy_admin_budget_e2e_0123456789',
  ...extra,
});

beforeAll(async () => {
  const url = await openai.start();
  openai.script('metered', openai.render({ type: 'text', text: 'ok', usage: USAGE }));
  configPath = join(mkdtempSync(join(tmpdir(), 'sy-budget-')), 'switchyard.yaml');
  writeFileSync(
    configPath,
    `
providers:
  - { id: oai, kind: openai, base_url: "${url}/v1", api_key_env: OAI_KEY }
models:
  - { id: oai/metered, provider: oai, upstream_model: metered, context_window: 100000, max_output_tokens: 1000, capabilities: [streaming], pricing: { input: ${IN_PRICE}, output: ${OUT_PRICE} } }
tenants:
  - id: acme
    keys:
      - { name: ci, key_env: TENANT_KEY }
`,
  );
});

afterAll(async () => {
  await openai.stop();
});

async function addBudget(db: FreshPostgres, limit: bigint): Promise<void> {
  await db.db.query(`INSERT INTO tenants (id) VALUES ('acme') ON CONFLICT DO NOTHING`);
  await db.db.query(`INSERT INTO budgets (id, tenant_id, scope, period, limit_pico) VALUES ('acme-total', 'acme', 'tenant', 'total', $1)`, [
    limit,
  ]);
}

type Outcome = { ok: true; cost: bigint } | { ok: false; code: number; reason: string; message: string };

function chatOnce(c: Clients, i: number): Promise<Outcome> {
  return new Promise((resolve) => {
    const stream = c.router.Chat(
      { model: 'oai/metered', messages: [userMessage(`hello ${i}`)], options: { max_output_tokens: MAX_OUT }, request_id: `r${i}` },
      bearer(KEY),
    ) as grpc.ClientReadableStream<Any>;
    let cost: bigint | undefined;
    let finish = '';
    stream.on('data', (m: Any) => {
      if (m.event === 'usage') cost = BigInt(m.usage.cost);
      if (m.event === 'finish') finish = m.finish.reason;
    });
    stream.on('error', (err: grpc.ServiceError) =>
      resolve({ ok: false, code: err.code, reason: details(err).errorInfo?.reason ?? '', message: err.details }),
    );
    stream.on('end', () =>
      resolve(
        cost !== undefined && finish === 'FINISH_REASON_STOP'
          ? { ok: true, cost }
          : { ok: false, code: -1, reason: `finish ${finish}`, message: '' },
      ),
    );
  });
}

async function moneyState(db: FreshPostgres) {
  const period = await db.db.query<{ spent: bigint; leased: bigint; overage: bigint }>(
    `SELECT spent, leased, overage FROM budget_periods WHERE budget_id = 'acme-total'`,
  );
  const ledger = await db.db.query<{ n: number; total: bigint }>(
    `SELECT count(*)::int AS n, coalesce(sum(cost), 0)::int8 AS total FROM usage_ledger WHERE status = 'ok'`,
  );
  const leases = await db.db.query<{ state: string; replica_id: string; n: number }>(
    `SELECT state, replica_id, count(*)::int AS n FROM budget_leases GROUP BY 1, 2`,
  );
  return { period: period.rows[0]!, ledger: ledger.rows[0]!, leases: leases.rows };
}

describe('three replicas, one budget', () => {
  let db: FreshPostgres;
  let servers: ServerProcess[] = [];
  let clients: Clients[] = [];

  beforeAll(async () => {
    db = await freshPostgres();
    await addBudget(db, 150n * CALL_COST);
    servers = await Promise.all([0, 1, 2].map(() => spawnServer({ configPath, env: env(db) })));
    clients = servers.map((s) => grpcClients(s.grpcAddress));
  }, 120_000);

  afterAll(async () => {
    for (const c of clients) c.close();
    await Promise.all(servers.map((s) => s.kill()));
    await db?.drop();
  });

  it('500 concurrent Chats: spend within the limit, surplus refused, ledger equals upstream usage, no lease left', async () => {
    const before = openai.requests.length;
    const outcomes = await Promise.all(Array.from({ length: 500 }, (_, i) => chatOnce(clients[i % 3]!, i)));
    const ok = outcomes.filter((o): o is Extract<Outcome, { ok: true }> => o.ok);
    const refused = outcomes.filter((o): o is Extract<Outcome, { ok: false }> => !o.ok);
    expect(ok.length + refused.length).toBe(500);
    // Every refusal is the budget's, named, and happened before any upstream call.
    for (const r of refused) {
      expect(r.code, r.message).toBe(8); // RESOURCE_EXHAUSTED
      expect(r.reason).toBe('BUDGET_EXHAUSTED');
      expect(r.message).toMatch(/acme-total/);
    }
    expect(openai.requests.length - before).toBe(ok.length);
    expect(ok.length).toBeLessThanOrEqual(150);
    // The reservation is the worst case (a few input tokens more than reported), and replicas
    // keep small slices near exhaustion: most of the budget is still used.
    expect(ok.length).toBeGreaterThanOrEqual(100);
    for (const o of ok) expect(o.cost).toBe(CALL_COST);

    const codes = await Promise.all(servers.map((s) => s.stop()));
    expect(codes).toEqual([0, 0, 0]);
    const m = await moneyState(db);
    expect(m.ledger.n).toBe(ok.length);
    expect(m.ledger.total).toBe(BigInt(ok.length) * CALL_COST);
    expect(m.period.spent).toBe(m.ledger.total);
    expect(m.period.spent).toBeLessThanOrEqual(150n * CALL_COST);
    expect(m.period.overage).toBe(0n);
    expect(m.period.leased).toBe(0n);
    expect(m.leases.filter((l) => l.state === 'open')).toEqual([]);
  }, 120_000);
});

describe('a replica killed mid-load', () => {
  let db: FreshPostgres;
  let servers: ServerProcess[] = [];
  let clients: Clients[] = [];
  const fast = { SWITCHYARD_BUDGET_LEASE_TTL_MS: '1500', SWITCHYARD_BUDGET_TICK_MS: '250' };

  beforeAll(async () => {
    db = await freshPostgres();
    await addBudget(db, 10_000n * CALL_COST);
    servers = await Promise.all([0, 1, 2].map(() => spawnServer({ configPath, env: env(db, fast) })));
    clients = servers.map((s) => grpcClients(s.grpcAddress));
  }, 120_000);

  afterAll(async () => {
    for (const c of clients) c.close();
    await Promise.all(servers.map((s) => s.kill()));
    await db?.drop();
  });

  it('SIGKILL: the others keep serving, its leases are swept and recorded, no money stays held', async () => {
    const first = await Promise.all(Array.from({ length: 90 }, (_, i) => chatOnce(clients[i % 3]!, i)));
    expect(first.every((o) => o.ok)).toBe(true);
    const victim = servers[0]!;
    const load = Promise.all(Array.from({ length: 60 }, (_, i) => chatOnce(clients[i % 3]!, 100 + i)));
    await victim.kill();
    const during = await load;
    // Calls on the survivors all succeed; calls on the victim may fail with the connection.
    during.forEach((o, i) => {
      if (i % 3 !== 0) expect(o.ok).toBe(true);
    });
    const after = await Promise.all(Array.from({ length: 40 }, (_, i) => chatOnce(clients[1 + (i % 2)]!, 200 + i)));
    expect(after.every((o) => o.ok)).toBe(true);

    // Within a few lease lifetimes a survivor sweeps the victim's leases.
    const deadline = Date.now() + 15_000;
    let swept: { state: string; replica_id: string; n: number }[] = [];
    while (Date.now() < deadline) {
      const m = await moneyState(db);
      swept = m.leases.filter((l) => l.state === 'swept');
      if (swept.length > 0 && !m.leases.some((l) => l.state === 'open' && swept.some((s) => s.replica_id === l.replica_id))) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(swept.length).toBeGreaterThan(0);
    const sweptRecord = await db.db.query<{ abandoned: bigint }>(`SELECT abandoned FROM budget_leases WHERE state = 'swept'`);
    expect(sweptRecord.rows.every((r) => r.abandoned >= 0n)).toBe(true);

    expect(await Promise.all([servers[1]!.stop(), servers[2]!.stop()])).toEqual([0, 0]);
    const m = await moneyState(db);
    expect(m.period.leased).toBe(0n);
    expect(m.leases.filter((l) => l.state === 'open')).toEqual([]);
    // Ledger rows and budget spend are written in one transaction, so they agree even though
    // the victim's last unflushed rows died with it.
    expect(m.period.spent).toBe(m.ledger.total);
    const okCalls = [...first, ...during, ...after].filter((o) => o.ok).length;
    expect(m.ledger.n).toBeLessThanOrEqual(okCalls);
    expect(m.ledger.n).toBeGreaterThanOrEqual(okCalls - 60);
  }, 120_000);
});
