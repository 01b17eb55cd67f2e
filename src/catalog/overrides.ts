// Operator overrides on top of the embedded catalog: from the config file (`models:`) or the
// admin API. An override patches a model, adds one, hides one, or sets its quality score.
import { createHash } from 'node:crypto';
import { invalidField } from '../errors.js';
import { zeroPricing } from './serialize.js';
import type { ModelEntry, ParameterAvailability, ParameterName } from './types.js';
import { PARAMETER_NAMES } from './types.js';

export interface ModelOverride {
  /** "vendor/model". */
  modelId: string;
  /** Fields that replace the catalog's (shallow: a given `pricing` replaces all of pricing). */
  patch: Partial<ModelEntry>;
  /** Hide the model from resolution and listing. */
  disabled?: boolean;
  /** 0..100 for the quality and scored strategies. */
  quality?: number;
  /** Where a model this override adds comes from; default "config". */
  source?: 'config' | 'admin';
}

export interface OverrideResult {
  entries: ModelEntry[];
  quality: Map<string, number>;
}

/** Keeps only the fields the patch really sets, so `{ pricing: undefined }` erases nothing. */
function definedFields(patch: Partial<ModelEntry>): Partial<ModelEntry> {
  return Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) as Partial<ModelEntry>;
}

function opaqueParameters(): Record<ParameterName, ParameterAvailability> {
  const out = {} as Record<ParameterName, ParameterAvailability>;
  for (const name of PARAMETER_NAMES) out[name] = { state: 'opaque' };
  return out;
}

/** A model the catalog does not know: defaults an operator can refine field by field. */
function newEntry(o: ModelOverride): ModelEntry {
  const slash = o.modelId.indexOf('/');
  if (slash <= 0 || slash === o.modelId.length - 1) {
    throw invalidField('model_id', `"${o.modelId}" is not "vendor/model"`);
  }
  const vendor = o.patch.vendor ?? o.modelId.slice(0, slash);
  const upstreamModel = o.patch.upstreamModel ?? o.modelId.slice(slash + 1);
  const kind = o.patch.kind ?? 'chat';
  return {
    id: o.modelId,
    vendor,
    upstreamModel,
    displayName: upstreamModel,
    kind,
    contextWindow: 0,
    maxOutputTokens: 0,
    pricing: zeroPricing(),
    // The same baseline the build gives every chat / embedding model.
    capabilities: kind === 'chat' ? ['streaming'] : ['embeddings'],
    embeddingDimensions: 0,
    regions: [],
    local: vendor === 'ollama',
    parameters: opaqueParameters(),
    source: o.source ?? 'config',
  };
}

/** Applies overrides in order (a later one for the same id wins). Never mutates `entries`. */
export function applyOverrides(entries: readonly ModelEntry[], overrides: readonly ModelOverride[]): OverrideResult {
  const byId = new Map(entries.map((e) => [e.id, e]));
  const hidden = new Set<string>();
  const quality = new Map<string, number>();
  for (const o of overrides) {
    const base = byId.get(o.modelId) ?? newEntry(o);
    byId.set(o.modelId, { ...base, ...definedFields(o.patch), id: o.modelId });
    if (o.disabled === true) hidden.add(o.modelId);
    else if (o.disabled === false) hidden.delete(o.modelId);
    if (o.quality !== undefined) quality.set(o.modelId, o.quality);
  }
  for (const id of hidden) {
    byId.delete(id);
    quality.delete(id);
  }
  return { entries: [...byId.values()], quality };
}

/** JSON with sorted keys and bigint as "<n>n": equal overrides hash equal whatever their key order. */
function canonicalJson(v: unknown): string {
  if (typeof v === 'bigint') return JSON.stringify(`${v}n`);
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v && typeof v === 'object') {
    const keys = Object.keys(v)
      .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
      .sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson((v as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

/** Short hash of a list of overrides; part of the catalog version. */
export function overridesHash(overrides: readonly ModelOverride[]): string {
  return createHash('sha256').update(canonicalJson(overrides)).digest('hex').slice(0, 8);
}

const PRICE_KEYS = ['input', 'output', 'cachedInput', 'cacheWriteInput', 'reasoning'] as const;

/** A patch as storable JSON: prices (bigint) become decimal strings. */
export function patchToJson(patch: Partial<ModelEntry>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...definedFields(patch) };
  if (patch.pricing) {
    const p = patch.pricing;
    out.pricing = {
      ...Object.fromEntries(PRICE_KEYS.map((k) => [k, p[k].toString()])),
      tiers: p.tiers.map((t) => ({ ...t, input: t.input.toString(), output: t.output.toString(), cachedInput: t.cachedInput.toString() })),
    };
  }
  return out;
}

/** Inverse of patchToJson. */
export function patchFromJson(json: Record<string, unknown>): Partial<ModelEntry> {
  const out = { ...json } as Partial<ModelEntry> & { pricing?: unknown };
  const p = json.pricing as Record<string, unknown> | undefined;
  if (p) {
    const tiers = (p.tiers as Array<Record<string, string | number>> | undefined) ?? [];
    out.pricing = {
      input: BigInt(String(p.input ?? 0)),
      output: BigInt(String(p.output ?? 0)),
      cachedInput: BigInt(String(p.cachedInput ?? 0)),
      cacheWriteInput: BigInt(String(p.cacheWriteInput ?? 0)),
      reasoning: BigInt(String(p.reasoning ?? 0)),
      tiers: tiers.map((t) => ({
        aboveInputTokens: Number(t.aboveInputTokens),
        input: BigInt(String(t.input)),
        output: BigInt(String(t.output)),
        cachedInput: BigInt(String(t.cachedInput ?? 0)),
      })),
    };
  }
  return out;
}
