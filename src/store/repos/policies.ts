// Versioned policies. Each change appends version max+1 for its scope ('platform' or
// 'tenant:<id>'); old versions are kept so a stored routing decision can name the policy it
// used. Every append NOTIFYs POLICY_CHANNEL on commit so other replicas reload.

import { invalidField } from '../../errors.js';
import { notify, type Db, type Queryable } from '../db.js';
import { NotFoundError } from '../errors.js';
import { pageSize, type Page } from './page.js';
import { jsonParam } from './sql.js';

export const POLICY_CHANNEL = 'switchyard_policy';

/** The payload of a POLICY_CHANNEL notification (JSON). version is a decimal string. */
export interface PolicyNotice {
  scope: string;
  version: string;
}

/**
 * Namespace (first key of the two-int advisory lock) for per-scope append locks. The
 * two-int form never collides with the single-bigint key migrate() uses.
 */
const POLICY_LOCK_NAMESPACE = 0x506f6c69; // "Poli"

export interface Policy {
  scope: string;
  version: bigint;
  body: unknown;
  createdAt: Date;
}

interface PolicyRow {
  scope: string;
  version: bigint;
  body: unknown;
  created_at: Date;
}

const COLUMNS = 'scope, version, body, created_at';

function toPolicy(r: PolicyRow): Policy {
  return { scope: r.scope, version: r.version, body: r.body, createdAt: r.created_at };
}

export function tenantScope(tenantId: string): string {
  return `tenant:${tenantId}`;
}

/** Same rule as the table's CHECK, as an INVALID_ARGUMENT naming the field instead of a 23514. */
export function assertScope(scope: string): void {
  if (scope !== 'platform' && !/^tenant:.+$/s.test(scope)) {
    throw invalidField('scope', `must be 'platform' or 'tenant:<id>', got ${JSON.stringify(scope)}`);
  }
}

/** Appends the next version of `scope` in its own transaction. */
export function appendPolicy(db: Pick<Db, 'transaction'>, scope: string, body: unknown): Promise<Policy> {
  return db.transaction((tx) => appendPolicyInTx(tx, scope, body));
}

/**
 * The same, for a caller already inside a transaction (it MUST be one: the lock is held until
 * COMMIT). Concurrent appends to one scope queue on a transaction-scoped advisory lock; under
 * READ COMMITTED the INSERT that follows the lock takes a fresh snapshot and so sees the
 * version the previous holder committed. Versions are therefore 1, 2, 3… with no gap or
 * duplicate, and the primary key would still reject a duplicate if this were ever bypassed.
 */
export async function appendPolicyInTx(tx: Queryable, scope: string, body: unknown): Promise<Policy> {
  assertScope(scope);
  await tx.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [POLICY_LOCK_NAMESPACE, scope]);
  const { rows } = await tx.query<PolicyRow>(
    `INSERT INTO policies (scope, version, body)
     SELECT $1, COALESCE(MAX(version), 0) + 1, $2::jsonb FROM policies WHERE scope = $1
     RETURNING ${COLUMNS}`,
    [scope, jsonParam(body)],
  );
  const policy = toPolicy(rows[0]!);
  const notice: PolicyNotice = { scope, version: policy.version.toString() };
  await notify(tx, POLICY_CHANNEL, JSON.stringify(notice));
  return policy;
}

export async function getLatestPolicy(q: Queryable, scope: string): Promise<Policy | null> {
  const { rows } = await q.query<PolicyRow>(`SELECT ${COLUMNS} FROM policies WHERE scope = $1 ORDER BY version DESC LIMIT 1`, [scope]);
  return rows[0] ? toPolicy(rows[0]) : null;
}

export async function getPolicyVersion(q: Queryable, scope: string, version: bigint): Promise<Policy | null> {
  const { rows } = await q.query<PolicyRow>(`SELECT ${COLUMNS} FROM policies WHERE scope = $1 AND version = $2`, [scope, version]);
  return rows[0] ? toPolicy(rows[0]) : null;
}

/** Versions of one scope, newest first; `before` is the `next` of the previous page. */
export async function listPolicyVersions(
  q: Queryable,
  scope: string,
  page: { before?: string | undefined; limit?: number | undefined } = {},
): Promise<Page<Policy>> {
  const size = pageSize(page.limit);
  const { rows } = await q.query<PolicyRow>(
    `SELECT ${COLUMNS} FROM policies WHERE scope = $1 AND ($2::bigint IS NULL OR version < $2)
      ORDER BY version DESC LIMIT $3`,
    [scope, page.before ?? null, size + 1],
  );
  const items = rows.slice(0, size).map(toPolicy);
  const last = items[items.length - 1];
  return { items, next: rows.length > size && last ? last.version.toString() : null };
}

/** The latest version of every scope: what a replica loads at start-up. */
export async function listLatestPolicies(q: Queryable): Promise<Policy[]> {
  const { rows } = await q.query<PolicyRow>(`SELECT DISTINCT ON (scope) ${COLUMNS} FROM policies ORDER BY scope, version DESC`);
  return rows.map(toPolicy);
}

/** Body of the version DeleteTenantPolicy appends: history stays, the scope reads as "no policy". */
export const TOMBSTONE = Object.freeze({ deleted: true });

export function isTombstone(body: unknown): boolean {
  return typeof body === 'object' && body !== null && (body as { deleted?: unknown }).deleted === true;
}

/**
 * Appends `body` to `scope` unless the latest version carrying the same `source` already has
 * exactly this body (jsonb equality: key order does not matter). Used to seed from the config
 * file at start-up: a restart with an unchanged file adds nothing, and does not undo a change
 * made through AdminService since the file was last seeded. Returns the new version, or null.
 * Two replicas starting together serialise on the scope's lock, so only one appends.
 */
export function seedPolicy(
  db: Pick<Db, 'transaction'>,
  scope: string,
  body: { source: string } & Record<string, unknown>,
): Promise<Policy | null> {
  assertScope(scope);
  return db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [POLICY_LOCK_NAMESPACE, scope]);
    const { rows } = await tx.query<{ same: boolean }>(
      `SELECT body = $2::jsonb AS same FROM policies WHERE scope = $1 AND body->>'source' = $3
        ORDER BY version DESC LIMIT 1`,
      [scope, jsonParam(body), body.source],
    );
    if (rows[0]?.same) return null;
    return appendPolicyInTx(tx, scope, body);
  });
}

/**
 * Deletes a tenant's policy by appending a tombstone version (old versions stay, so decisions
 * made under them can still be replayed). NOT_FOUND when the tenant has no live policy.
 */
export function deleteTenantPolicy(db: Pick<Db, 'transaction'>, tenantId: string): Promise<Policy> {
  const scope = tenantScope(tenantId);
  assertScope(scope);
  return db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [POLICY_LOCK_NAMESPACE, scope]);
    const latest = await getLatestPolicy(tx, scope);
    if (!latest || isTombstone(latest.body)) throw new NotFoundError('policy', scope);
    // appendPolicyInTx takes the same (re-entrant) transaction lock again: harmless.
    return appendPolicyInTx(tx, scope, TOMBSTONE);
  });
}
