// The runtime model catalog: embedded snapshot + operator overrides, indexed once so that
// get/resolve are Map lookups and list() is one pass over a presorted array.
import { createHash } from 'node:crypto';
import { invalidField, SwitchyardError } from '../errors.js';
import { loadEmbeddedCatalog } from './embedded.js';
import { applyOverrides, overridesHash } from './overrides.js';
import type { ModelOverride } from './overrides.js';
import type { Capability, ModelEntry, ModelKind } from './types.js';

export { loadEmbeddedCatalog } from './embedded.js';
export type { EmbeddedCatalog } from './embedded.js';
export { applyOverrides } from './overrides.js';
export type { ModelOverride } from './overrides.js';

/**
 * Who serves a bare model name ("gpt-4o") when no preference decides: the model's maker first,
 * then hosts of open models, local last among direct vendors. OpenRouter always comes after
 * every direct vendor: it is a reseller, and the direct route is cheaper and has fewer hops.
 */
export const DEFAULT_VENDOR_ORDER: readonly string[] = [
  'openai',
  'anthropic',
  'gemini',
  'mistral',
  'deepseek',
  'xai',
  'groq',
  'together',
  'fireworks',
  'huggingface',
  'ollama',
];
const RESELLER = 'openrouter';

export const DEFAULT_PAGE_SIZE = 100;
export const MAX_PAGE_SIZE = 1000;

/** ListModels filters. All given conditions must hold. */
export interface ModelFilter {
  /** Catalog vendor family (ListModelsRequest.provider). */
  vendor?: string;
  kind?: ModelKind;
  /** The model must have every one of these. */
  capabilities?: readonly Capability[];
  /** Models with an unknown (0) context window never pass a non-zero minimum. */
  minContextTokens?: number;
  localOnly?: boolean;
  /** Case-insensitive substring of the id. */
  query?: string;
}

export interface ModelPage {
  models: ModelEntry[];
  /** Empty on the last page. */
  nextPageToken: string;
  /** Models matching the filter over all pages. */
  total: number;
}

/** A page token that is malformed or was issued for different filters. */
export class InvalidPageTokenError extends SwitchyardError {
  constructor(message: string) {
    super('invalid_argument', `page_token: ${message}`, {
      reason: 'INVALID_PAGE_TOKEN',
      metadata: { field: 'page_token' },
      violations: [{ field: 'page_token', description: message }],
    });
    this.name = 'InvalidPageTokenError';
  }
}

export interface CatalogOptions {
  /** Version of `entries` (the embedded snapshot's); default "custom". */
  baseVersion?: string;
  overrides?: readonly ModelOverride[];
}

interface Row {
  entry: ModelEntry;
  lowerId: string;
  caps: ReadonlySet<Capability>;
}

const byId = (a: Row, b: Row): number => (a.entry.id < b.entry.id ? -1 : a.entry.id > b.entry.id ? 1 : 0);

function vendorRank(vendor: string): number {
  if (vendor === RESELLER) return Number.MAX_SAFE_INTEGER;
  const i = DEFAULT_VENDOR_ORDER.indexOf(vendor);
  return i === -1 ? DEFAULT_VENDOR_ORDER.length : i;
}

export class Catalog {
  /** Embedded version, plus "+<hash of overrides>" when there are any. */
  readonly version: string;
  private readonly rows: Row[];
  private readonly index = new Map<string, ModelEntry>();
  private readonly rowsByVendor = new Map<string, Row[]>();
  private readonly rowsByKind = new Map<ModelKind, Row[]>();
  /** upstreamModel → entries, in DEFAULT_VENDOR_ORDER rank then id. */
  private readonly byUpstream = new Map<string, ModelEntry[]>();
  private readonly qualities: ReadonlyMap<string, number>;

  /** The embedded snapshot with these overrides. */
  static fromEmbedded(overrides: readonly ModelOverride[] = []): Catalog {
    const embedded = loadEmbeddedCatalog();
    return new Catalog(embedded.models, { baseVersion: embedded.version, overrides });
  }

  constructor(entries: readonly ModelEntry[], options: CatalogOptions = {}) {
    const overrides = options.overrides ?? [];
    const { entries: effective, quality } = applyOverrides(entries, overrides);
    const base = options.baseVersion ?? 'custom';
    this.version = overrides.length > 0 ? `${base}+${overridesHash(overrides)}` : base;
    this.qualities = quality;
    this.rows = effective.map((entry) => ({ entry, lowerId: entry.id.toLowerCase(), caps: new Set(entry.capabilities) })).sort(byId);
    for (const row of this.rows) {
      const e = row.entry;
      this.index.set(e.id, e);
      push(this.rowsByVendor, e.vendor, row);
      push(this.rowsByKind, e.kind, row);
      push(this.byUpstream, e.upstreamModel, e);
    }
    for (const list of this.byUpstream.values()) {
      list.sort((a, b) => vendorRank(a.vendor) - vendorRank(b.vendor) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    }
  }

  get size(): number {
    return this.rows.length;
  }

  /** Every visible model, ordered by id. */
  all(): ModelEntry[] {
    return this.rows.map((r) => r.entry);
  }

  get(id: string): ModelEntry | undefined {
    return this.index.get(id);
  }

  /** The operator's quality score (0..100), if one was set. */
  quality(id: string): number | undefined {
    return this.qualities.get(id);
  }

  /**
   * A model by exact id, or by bare upstream name ("gpt-4o"): the first of `preferredVendors`
   * that serves it (e.g. vendors with configured providers), else DEFAULT_VENDOR_ORDER. OpenRouter
   * answers a bare name only when no direct vendor serves it, even if it is preferred.
   */
  resolve(name: string, preferredVendors: readonly string[] = []): ModelEntry | undefined {
    const exact = this.index.get(name);
    if (exact) return exact;
    const candidates = this.byUpstream.get(name);
    if (!candidates) return undefined;
    // "openai/o3-mini" names a direct model (maybe hidden by an override): never let it fall
    // through to OpenRouter's model of the same upstream name.
    const prefix = name.slice(0, name.indexOf('/'));
    if (prefix && this.rowsByVendor.has(prefix) && candidates.every((e) => e.vendor === RESELLER)) return undefined;
    for (const vendor of preferredVendors) {
      if (vendor === RESELLER) continue;
      const hit = candidates.find((e) => e.vendor === vendor);
      if (hit) return hit;
    }
    return candidates[0];
  }

  /** One page of the models matching `filter`, ordered by id. */
  list(filter: ModelFilter = {}, pageSize = 0, pageToken = ''): ModelPage {
    if (!Number.isInteger(pageSize) || pageSize < 0) throw invalidField('page_size', 'must be a non-negative integer');
    const size = pageSize === 0 ? DEFAULT_PAGE_SIZE : Math.min(pageSize, MAX_PAGE_SIZE);
    const filterHash = hashFilter(filter);
    const after = pageToken === '' ? undefined : decodeToken(pageToken, filterHash);
    const match = compileFilter(filter);
    const base =
      filter.vendor !== undefined && filter.vendor !== ''
        ? (this.rowsByVendor.get(filter.vendor) ?? [])
        : filter.kind
          ? (this.rowsByKind.get(filter.kind) ?? [])
          : this.rows;
    const start = after === undefined ? 0 : firstAfter(base, after);
    const models: ModelEntry[] = [];
    let total = 0;
    let more = false;
    for (let i = 0; i < base.length; i++) {
      const row = base[i]!;
      if (!match(row)) continue;
      total++;
      if (i < start) continue;
      if (models.length < size) models.push(row.entry);
      else more = true;
    }
    const last = models[models.length - 1];
    return { models, total, nextPageToken: more && last ? encodeToken(filterHash, last.id) : '' };
  }
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

function compileFilter(f: ModelFilter): (row: Row) => boolean {
  const caps = f.capabilities ?? [];
  const min = f.minContextTokens ?? 0;
  const query = (f.query ?? '').toLowerCase();
  return (row) =>
    (!f.vendor || row.entry.vendor === f.vendor) &&
    (!f.kind || row.entry.kind === f.kind) &&
    (min <= 0 || row.entry.contextWindow >= min) &&
    (!f.localOnly || row.entry.local) &&
    (query === '' || row.lowerId.includes(query)) &&
    caps.every((c) => row.caps.has(c));
}

/** A short hash of the filter as it matters for matching (page size is free to change). */
function hashFilter(f: ModelFilter): string {
  const canonical = JSON.stringify([
    f.vendor ?? '',
    f.kind ?? '',
    [...new Set(f.capabilities ?? [])].sort(),
    Math.max(0, f.minContextTokens ?? 0),
    f.localOnly === true,
    (f.query ?? '').toLowerCase(),
  ]);
  return createHash('sha256').update(canonical).digest('hex').slice(0, 8);
}

/** Page token: base64url("<filter hash>:<last id returned>"). Ids are stable, so pages are too. */
function encodeToken(filterHash: string, lastId: string): string {
  return Buffer.from(`${filterHash}:${lastId}`, 'utf8').toString('base64url');
}

function decodeToken(token: string, filterHash: string): string {
  const text = Buffer.from(token, 'base64url').toString('utf8');
  const sep = text.indexOf(':');
  // Re-encoding must give the token back: rejects junk that base64url decoding would tolerate.
  if (sep !== 8 || Buffer.from(text, 'utf8').toString('base64url') !== token) {
    throw new InvalidPageTokenError('malformed; pass next_page_token from the previous response unchanged');
  }
  if (text.slice(0, sep) !== filterHash) {
    throw new InvalidPageTokenError('issued for different filters; repeat the request with the same filters');
  }
  return text.slice(sep + 1);
}

/** Index of the first row whose id sorts after `id` (binary search; `id` may no longer exist). */
function firstAfter(rows: readonly Row[], id: string): number {
  let lo = 0;
  let hi = rows.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (rows[mid]!.entry.id <= id) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
