// The usage ledger (table usage_ledger, migration 0003): batched inserts and usage queries.
import { copyLine, type Queryable } from '../db.js';

/** 'abandoned': written by the lease sweeper for a call whose replica died mid-call, at the held amount. */
export type LedgerStatus = 'ok' | 'error' | 'cancelled' | 'refused' | 'abandoned';

/**
 * One usage ledger row: what one executed Chat or Embed cost, as the upstream reported it (or
 * as estimated, flagged, when it reported nothing).
 */
export interface LedgerRow {
  /**
   * The decision id: with createdAt the primary key, so a row can never be counted twice as
   * long as createdAt is a function of the id (the decision's UUIDv7 time, calls/metering.ts).
   */
  decisionId: string;
  /** The caller's request_id (may repeat across calls). */
  requestId: string;
  tenantId: string;
  apiKeyId: string;
  workerId: string;
  taskType: string;
  rpc: 'Chat' | 'Embed';
  provider: string;
  model: string;
  inputTokens: number;
  outputTokens: number;
  cachedInputTokens: number;
  reasoningTokens: number;
  /** pico-USD */
  cost: bigint;
  /** True when the upstream reported no usage and the counts are Switchyard's estimate. */
  estimated: boolean;
  /** The catalog version whose prices were used. */
  priceVersion: string;
  latencyMs: number;
  /** Time to first token (streams); undefined when no token came. */
  ttftMs?: number;
  status: LedgerStatus;
  attempts: number;
  createdAt: Date;
}

const INSERT_COLUMNS = `decision_id, request_id, tenant_id, api_key_id, worker_id, task_type, rpc, provider, model,
  input_tokens, output_tokens, cached_input_tokens, reasoning_tokens, cost, estimated, price_version,
  latency_ms, ttft_ms, status, attempts, created_at`;

const COPY_COLUMNS = INSERT_COLUMNS.split(',').map((c) => c.trim());

/**
 * The ledger writer's batch insert: one COPY. Measured by bench/ledger-rows.ts against the
 * unnest() insert below; on Postgres it costs the server a fraction of the CPU per row, and the
 * database shares the machine with the replicas. COPY has no ON CONFLICT: a batch with a
 * decision id already stored (a flush retried after its commit went through) fails with
 * 23505, and the writer then stores the batch row by row through insertLedgerRows, which skips
 * the duplicates.
 */
export async function copyLedgerRows(q: Queryable, rows: readonly LedgerRow[]): Promise<void> {
  if (rows.length === 0) return;
  let lines = '';
  for (const r of rows) {
    lines += copyLine([
      r.decisionId,
      r.requestId,
      r.tenantId,
      r.apiKeyId,
      r.workerId,
      r.taskType,
      r.rpc,
      r.provider,
      r.model,
      String(r.inputTokens),
      String(r.outputTokens),
      String(r.cachedInputTokens),
      String(r.reasoningTokens),
      r.cost.toString(),
      r.estimated ? 't' : 'f',
      r.priceVersion,
      String(r.latencyMs),
      r.ttftMs === undefined ? null : String(r.ttftMs),
      r.status,
      String(r.attempts),
      r.createdAt.toISOString(),
    ]);
  }
  await q.copyFrom('usage_ledger', COPY_COLUMNS, lines);
}

/**
 * Inserts a batch in ONE statement: one array parameter per column, expanded by unnest(), so
 * the statement text and the parameter count stay the same whatever the batch size (21
 * parameters for 1,000 rows instead of 21,000, and one parse/plan shape). Measured against a
 * multi-row VALUES list by bench/ledger-rows.ts (insertLedgerRowsValues below): unnest was the
 * faster of the two here (COPY, above, is faster still). A row whose decision id is already
 * there is skipped: a retried flush cannot count a call twice.
 */
export async function insertLedgerRows(q: Queryable, rows: readonly LedgerRow[]): Promise<void> {
  if (rows.length === 0) return;
  const col = <T>(f: (r: LedgerRow) => T): T[] => rows.map(f);
  await q.query(
    `INSERT INTO usage_ledger (${INSERT_COLUMNS})
     SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[],
       $10::int8[], $11::int8[], $12::int8[], $13::int8[], $14::int8[], $15::bool[], $16::text[],
       $17::int4[], $18::int4[], $19::text[], $20::int4[], $21::timestamptz[])
     ON CONFLICT (decision_id, created_at) DO NOTHING`,
    [
      col((r) => r.decisionId),
      col((r) => r.requestId),
      col((r) => r.tenantId),
      col((r) => r.apiKeyId),
      col((r) => r.workerId),
      col((r) => r.taskType),
      col((r) => r.rpc),
      col((r) => r.provider),
      col((r) => r.model),
      col((r) => r.inputTokens),
      col((r) => r.outputTokens),
      col((r) => r.cachedInputTokens),
      col((r) => r.reasoningTokens),
      col((r) => r.cost),
      col((r) => r.estimated),
      col((r) => r.priceVersion),
      col((r) => r.latencyMs),
      col((r) => r.ttftMs ?? null),
      col((r) => r.status),
      col((r) => r.attempts),
      col((r) => r.createdAt.toISOString()),
    ],
  );
}

/**
 * The same insert as a multi-row VALUES list (one parameter per value). Kept only so the
 * benchmark can compare the two shapes on this machine; use insertLedgerRows.
 */
export async function insertLedgerRowsValues(q: Queryable, rows: readonly LedgerRow[]): Promise<void> {
  if (rows.length === 0) return;
  const params: unknown[] = [];
  const tuples = rows.map((r) => {
    const n = params.length;
    params.push(
      r.decisionId,
      r.requestId,
      r.tenantId,
      r.apiKeyId,
      r.workerId,
      r.taskType,
      r.rpc,
      r.provider,
      r.model,
      r.inputTokens,
      r.outputTokens,
      r.cachedInputTokens,
      r.reasoningTokens,
      r.cost,
      r.estimated,
      r.priceVersion,
      r.latencyMs,
      r.ttftMs ?? null,
      r.status,
      r.attempts,
      r.createdAt.toISOString(),
    );
    const p = Array.from({ length: 21 }, (_, i) => `$${n + i + 1}`);
    p[0] += '::uuid';
    p[20] += '::timestamptz';
    return `(${p.join(', ')})`;
  });
  await q.query(
    `INSERT INTO usage_ledger (${INSERT_COLUMNS}) VALUES ${tuples.join(', ')} ON CONFLICT (decision_id, created_at) DO NOTHING`,
    params,
  );
}

/** Dimensions usage can be grouped by, in the order the caller lists them. */
export const USAGE_DIMENSIONS = ['tenant', 'api_key', 'worker', 'provider', 'model', 'day'] as const;
export type UsageDimension = (typeof USAGE_DIMENSIONS)[number];

/** Fixed SQL per dimension: column names never come from the caller. `day` is the UTC date. */
const DIMENSION_SQL: Record<UsageDimension, string> = {
  tenant: 'tenant_id',
  api_key: 'api_key_id',
  worker: 'worker_id',
  provider: 'provider',
  model: 'model',
  day: `to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD')`,
};

export interface UsageQuery {
  /** Inclusive. */
  start: Date;
  /** Exclusive. */
  end: Date;
  /** Group by these, in order (duplicates are ignored); empty: one row of grand totals. */
  groupBy: readonly UsageDimension[];
  /** Only this tenant's rows. */
  tenant?: string | undefined;
}

export interface UsageTotals {
  /** Dimension → value, for the dimensions grouped by. */
  group: Partial<Record<UsageDimension, string>>;
  requests: bigint;
  inputTokens: bigint;
  outputTokens: bigint;
  cachedInputTokens: bigint;
  reasoningTokens: bigint;
  /** pico-USD */
  cost: bigint;
}

interface TotalsRow {
  requests: bigint;
  input_tokens: string | null;
  output_tokens: string | null;
  cached_input_tokens: string | null;
  reasoning_tokens: string | null;
  cost: string | null;
  [dimension: `g${number}`]: string;
}

/**
 * Totals over [start, end), grouped, ordered by the group values. The time range (and the
 * tenant) are the index's columns (usage_ledger_tenant_created, BRIN on created_at). Sums are
 * numeric in SQL (no int8 overflow on a long range) and exact bigints here.
 */
export async function queryUsage(q: Queryable, query: UsageQuery): Promise<UsageTotals[]> {
  const dims = [...new Set(query.groupBy)];
  const select = dims.map((d, i) => `${DIMENSION_SQL[d]} AS g${i}`);
  const positions = dims.map((_, i) => String(i + 1));
  const { rows } = await q.query<TotalsRow>(
    `SELECT ${[...select, ''].join(', ')}
            count(*) AS requests,
            sum(input_tokens)::numeric AS input_tokens, sum(output_tokens)::numeric AS output_tokens,
            sum(cached_input_tokens)::numeric AS cached_input_tokens, sum(reasoning_tokens)::numeric AS reasoning_tokens,
            sum(cost)::numeric AS cost
       FROM usage_ledger
      WHERE created_at >= $1::timestamptz AND created_at < $2::timestamptz AND ($3::text IS NULL OR tenant_id = $3)
      ${dims.length ? `GROUP BY ${positions.join(', ')} ORDER BY ${positions.join(', ')}` : ''}`,
    [query.start.toISOString(), query.end.toISOString(), query.tenant ?? null],
  );
  const big = (v: string | null) => BigInt(v ?? 0);
  return rows.map((r) => ({
    group: Object.fromEntries(dims.map((d, i) => [d, r[`g${i}`]])),
    requests: BigInt(r.requests),
    inputTokens: big(r.input_tokens),
    outputTokens: big(r.output_tokens),
    cachedInputTokens: big(r.cached_input_tokens),
    reasoningTokens: big(r.reasoning_tokens),
    cost: big(r.cost),
  }));
}
