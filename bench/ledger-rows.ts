// Usage-ledger insert throughput: copyLedgerRows (one COPY per batch, what the writer uses),
// insertLedgerRows (one unnest() statement, its row-by-row fallback) and the multi-row VALUES
// shape, with batches of 500 and 1,000 rows, on a fresh database of the local Postgres (PGlite
// when none answers). Interleaved rounds, so all shapes see the same machine noise. Measured
// 2026-12-02 (median rows/s, batches of 500): COPY 36,014, unnest 26,347, VALUES 13,089.
//
//   npx tsx bench/ledger-rows.ts [rows per measurement, default 20000]
import { randomUUID } from 'node:crypto';
import type { LedgerRow } from '../src/store/repos/usage.js';
import { openDb } from '../src/store/open.js';
import { migrate } from '../src/store/migrate.js';
import { copyLedgerRows, insertLedgerRows, insertLedgerRowsValues } from '../src/store/repos/usage.js';
import { benchDb } from './lib/bench-db.js';

const TOTAL = Number(process.argv[2] ?? 20_000);
const ROUNDS = 3;

function rows(n: number): LedgerRow[] {
  const now = Date.now();
  return Array.from({ length: n }, (_, i) => ({
    decisionId: randomUUID(),
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
    createdAt: new Date(now - i),
  }));
}

const target = await benchDb();
const db = await openDb(target.url ? { databaseUrl: target.url } : { dataDir: 'memory://' });
try {
  await migrate(db);
  const shapes = { copy: copyLedgerRows, unnest: insertLedgerRows, values: insertLedgerRowsValues } as const;
  const results: Record<string, number[]> = {};
  // Warm-up: plans, JIT, the table's first pages.
  for (const f of Object.values(shapes)) await f(db, rows(1000));
  for (let round = 0; round < ROUNDS; round++) {
    for (const batch of [500, 1000]) {
      for (const [name, insert] of Object.entries(shapes)) {
        const data = rows(TOTAL);
        const t0 = performance.now();
        for (let i = 0; i < data.length; i += batch) await insert(db, data.slice(i, i + batch));
        const rps = TOTAL / ((performance.now() - t0) / 1000);
        (results[`${name} × ${batch}`] ??= []).push(rps);
      }
    }
  }
  console.log(`usage_ledger inserts on ${target.label}, ${TOTAL} rows per measurement, best/median of ${ROUNDS}`);
  console.log('shape × batch        best rows/s   median rows/s');
  const summary: Record<string, number> = {};
  for (const [k, v] of Object.entries(results)) {
    const s = [...v].sort((a, b) => a - b);
    summary[k] = Math.round(s[Math.floor(s.length / 2)]!);
    console.log(
      `${k.padEnd(20)} ${Math.round(s[s.length - 1]!)
        .toString()
        .padStart(11)} ${summary[k]!.toString().padStart(15)}`,
    );
  }
  console.log(JSON.stringify({ bench: 'ledger-rows', database: db.kind, medianRowsPerSecond: summary }));
} finally {
  await db.close();
  await target.drop();
}
