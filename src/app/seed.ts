// Config → database: tenants named in the config file exist as rows (so keys, budgets and
// policies can reference them). Idempotent, safe for several replicas starting together.
import type { ResolvedConfig } from '../config/load.js';
import type { Db } from '../store/db.js';

export async function seedFromConfig(db: Db, config: ResolvedConfig): Promise<void> {
  for (const t of config.tenants) {
    await db.query(
      `INSERT INTO tenants (id, name) VALUES ($1, $2)
       ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name WHERE tenants.name IS DISTINCT FROM EXCLUDED.name`,
      [t.id, t.name],
    );
  }
}

/** Usable API keys stored in the database (dev mode needs there to be none). */
export async function storedKeyCount(db: Db): Promise<number> {
  const { rows } = await db.query<{ n: bigint }>('SELECT count(*) AS n FROM api_keys WHERE NOT revoked');
  return Number(rows[0]?.n ?? 0);
}
