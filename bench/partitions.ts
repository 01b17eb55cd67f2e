// Storage figures for the daily-partitioned tables (migration 0005): bytes a row costs on disk
// (pg_total_relation_size of every partition, with indexes and TOAST, over the row count) and
// rows/s written the way the writers write them (decisions: one COPY per 500-row batch through
// insertDecisions; ledger: one COPY per 2,000-row batch through copyLedgerRows), into today's
// partition made by the janitor, on a fresh database of the local Postgres (PGlite when none
// answers). The decision rows carry a Route record shaped like calls/decision-record.ts's.
// Prints one JSON line.
//
//   npx tsx bench/partitions.ts [rows per table, default 100000]
import { uuidv7 } from '../src/ids.js';
import type { Db } from '../src/store/db.js';
import { migrate } from '../src/store/migrate.js';
import { openDb } from '../src/store/open.js';
import { maintainPartitions } from '../src/store/partitions.js';
import { insertDecisions, type DecisionRow } from '../src/store/repos/decisions.js';
import { copyLedgerRows, type LedgerRow } from '../src/store/repos/usage.js';
import { benchDb } from './lib/bench-db.js';

const TOTAL = Number(process.argv[2] ?? 100_000);

function decision(i: number, now: number): DecisionRow {
  const t = now - (i % 1000);
  return {
    id: uuidv7(t),
    tenantId: `tenant-${i % 1000}`,
    rpc: i % 4 ? 'Route' : 'Chat',
    createdAt: new Date(t),
    policyVersion: 'platform:3+tenant:acme:2',
    catalogVersion: 'e632a8c4fcffa528',
    inputs: {
      request: {
        model: 'smart',
        tenant: `tenant-${i % 1000}`,
        kind: 'chat',
        inputTokens: 900 + (i % 200),
        maxOutputTokens: 512,
        sensitivity: 'internal',
      },
      env: { seed: i, nowMs: t, health: { 'openai/gpt-4o-mini': 'ok', 'anthropic/claude-haiku-4-5': 'ok' } },
      context: { requestId: `req-${i}`, workerId: 'summarizer', taskType: 'summarize', region: 'eu', labels: {} },
    },
    plan: {
      candidates: [
        { provider: 'openai', model: 'openai/gpt-4o-mini', estimatedCost: '225000000' },
        { provider: 'anthropic', model: 'anthropic/claude-haiku-4-5', estimatedCost: '400000000' },
      ],
      excluded: [{ model: 'openai/gpt-4o', reason: 'max_price' }],
      strategy: 'cheapest',
    },
    outcome: i % 4 ? undefined : { status: 'ok', attempts: 1, provider: 'openai', finish: 'stop' },
  };
}

function ledger(i: number, now: number): LedgerRow {
  const t = now - (i % 1000);
  return {
    decisionId: uuidv7(t),
    requestId: `req-${i}`,
    tenantId: `tenant-${i % 1000}`,
    apiKeyId: `key_${i % 50}`,
    workerId: i % 3 ? 'summarizer' : '',
    taskType: 'chat',
    rpc: 'Chat',
    provider: 'openai',
    model: 'openai/gpt-4o-mini',
    inputTokens: 900 + (i % 200),
    outputTokens: 150 + (i % 50),
    cachedInputTokens: i % 4 ? 0 : 512,
    reasoningTokens: 0,
    cost: 225_000_000n + BigInt(i),
    estimated: false,
    priceVersion: 'e632a8c4fcffa528',
    latencyMs: 420,
    ttftMs: i % 5 ? 180 : undefined,
    status: 'ok',
    attempts: 1,
    createdAt: new Date(t),
  };
}

async function write<T>(rows: T[], batch: number, insert: (rows: T[]) => Promise<void>): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; i < rows.length; i += batch) await insert(rows.slice(i, i + batch));
  return Math.round(rows.length / ((performance.now() - t0) / 1000));
}

async function bytesPerRow(db: Db, table: string): Promise<{ bytesPerRow: number; rows: number; partitions: string[] }> {
  const { rows } = await db.query<{ bytes: string; n: bigint; parts: string[] }>(
    `SELECT sum(pg_total_relation_size(inhrelid))::text AS bytes, (SELECT count(*) FROM ${table}) AS n,
            array_agg(inhrelid::regclass::text ORDER BY 1) AS parts
       FROM pg_inherits WHERE inhparent = $1::regclass`,
    [table],
  );
  const r = rows[0]!;
  return { bytesPerRow: Math.round(Number(r.bytes) / Number(r.n)), rows: Number(r.n), partitions: r.parts };
}

const target = await benchDb();
const db = await openDb(target.url ? { databaseUrl: target.url } : { dataDir: 'memory://' });
try {
  await migrate(db);
  const now = Date.now();
  await maintainPartitions(db, { now: new Date(now), daysAhead: 1, retentionDays: { decisions: 30, usage_ledger: null } });
  const d = Array.from({ length: TOTAL }, (_, i) => decision(i, now));
  const l = Array.from({ length: TOTAL }, (_, i) => ledger(i, now));
  const decisionsRps = await write(d, 500, (rows) => insertDecisions(db, rows));
  const ledgerRps = await write(l, 2_000, (rows) => db.transaction((tx) => copyLedgerRows(tx, rows)));
  await db.query('VACUUM ANALYZE decisions');
  await db.query('VACUUM ANALYZE usage_ledger');
  const jsonBytes = Math.round(d.reduce((n, r) => n + JSON.stringify(r.inputs).length + JSON.stringify(r.plan).length, 0) / TOTAL);
  console.log(
    JSON.stringify({
      bench: 'partitions',
      database: target.label,
      rowsPerTable: TOTAL,
      decisions: { rowsPerSecond: decisionsRps, ...(await bytesPerRow(db, 'decisions')), jsonTextBytesPerRow: jsonBytes },
      usageLedger: { rowsPerSecond: ledgerRps, ...(await bytesPerRow(db, 'usage_ledger')) },
    }),
  );
} finally {
  await db.close();
  await target.drop();
}
