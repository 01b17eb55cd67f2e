// Authentication: `authorization: Bearer <key>` → a caller (tenant or admin). Keys are only
// ever held as sha256 hashes. Lookups are cached briefly in memory so the hot path makes no
// database round trip per request; a revoked key stops working within KEY_CACHE_TTL_MS on
// other replicas (immediately on the replica that revoked it).
import { sha256Hex } from '../config/load.js';
import type { Caller } from '../calls/caller.js';
import { SwitchyardError } from '../errors.js';

export interface KeyLookup {
  (hash: string): Promise<Caller | undefined>;
}

export const KEY_CACHE_TTL_MS = 10_000;
const NEGATIVE_TTL_MS = 2_000;
const MAX_CACHED_KEYS = 10_000;

export const DEV_CALLER: Caller = Object.freeze({ tenant: 'dev', admin: true, keyId: 'dev' });

export class Authenticator {
  readonly #static: Map<string, Caller>;
  readonly #lookup: KeyLookup;
  readonly #devMode: boolean;
  readonly #cache = new Map<string, { principal: Caller | undefined; expires: number }>();

  constructor(opts: { devMode: boolean; staticKeys: Map<string, Caller>; lookup: KeyLookup }) {
    this.#devMode = opts.devMode;
    this.#static = opts.staticKeys;
    this.#lookup = opts.lookup;
  }

  get devMode(): boolean {
    return this.#devMode;
  }

  async authenticate(authorization: string | null): Promise<Caller> {
    if (this.#devMode) return DEV_CALLER;
    const key = parseBearer(authorization);
    const hash = sha256Hex(key); // the same hash admin-created keys are stored under
    const known = this.#static.get(hash);
    if (known) return known;

    const now = Date.now();
    const hit = this.#cache.get(hash);
    let principal: Caller | undefined;
    if (hit && hit.expires > now) {
      principal = hit.principal;
    } else {
      principal = await this.#lookup(hash);
      if (this.#cache.size >= MAX_CACHED_KEYS) this.#cache.clear();
      this.#cache.set(hash, { principal, expires: now + (principal ? KEY_CACHE_TTL_MS : NEGATIVE_TTL_MS) });
    }
    if (!principal) throw unauthenticated('the API key is not valid (unknown or revoked)', 'INVALID_API_KEY');
    return principal;
  }

  /** Drops cached lookups (after a key is revoked or a tenant disabled on this replica). */
  invalidate(): void {
    this.#cache.clear();
  }
}

function parseBearer(authorization: string | null): string {
  if (!authorization) throw unauthenticated('missing "authorization: Bearer <key>" metadata', 'MISSING_API_KEY');
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
  if (!match) throw unauthenticated('the authorization metadata must be "Bearer <key>"', 'MALFORMED_AUTHORIZATION');
  return match[1]!;
}

function unauthenticated(message: string, reason: string): SwitchyardError {
  return new SwitchyardError('unauthenticated', message, { reason });
}

export function requireAdmin(p: Caller): void {
  if (!p.admin) {
    throw new SwitchyardError('permission_denied', 'this call needs an admin key', {
      reason: 'ADMIN_REQUIRED',
    });
  }
}
