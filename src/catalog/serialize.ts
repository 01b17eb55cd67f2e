// ModelEntry ⇄ the JSON stored in catalog.json. Prices are bigint in memory and decimal strings
// in JSON (JSON numbers lose precision above 2^53 and invite float arithmetic).
import type { ModelEntry, Pricing, PriceTier } from './types.js';
import { PARAMETER_NAMES } from './types.js';

/** One source dataset a catalog was built from, as recorded in catalog.json. */
export interface CatalogSource {
  file: string;
  name: string;
  url: string;
  licence: string;
  /** YYYY-MM-DD. */
  snapshot: string;
  /** sha256 of the file's bytes, so a catalog names exactly what it was built from. */
  sha256: string;
}

export interface PricingJson {
  input: string;
  output: string;
  cachedInput: string;
  cacheWriteInput: string;
  reasoning: string;
  tiers: { aboveInputTokens: number; input: string; output: string; cachedInput: string }[];
}
export type ModelJson = Omit<ModelEntry, 'pricing'> & { pricing: PricingJson };

/** A fixed key order, so the same entry always serialises to the same bytes. */
export function modelToJson(m: ModelEntry): ModelJson {
  const parameters = {} as ModelEntry['parameters'];
  for (const name of PARAMETER_NAMES) parameters[name] = m.parameters[name];
  const json: ModelJson = {
    id: m.id,
    vendor: m.vendor,
    upstreamModel: m.upstreamModel,
    displayName: m.displayName,
    kind: m.kind,
    contextWindow: m.contextWindow,
    maxOutputTokens: m.maxOutputTokens,
    pricing: {
      input: m.pricing.input.toString(),
      output: m.pricing.output.toString(),
      cachedInput: m.pricing.cachedInput.toString(),
      cacheWriteInput: m.pricing.cacheWriteInput.toString(),
      reasoning: m.pricing.reasoning.toString(),
      tiers: m.pricing.tiers.map((t) => ({
        aboveInputTokens: t.aboveInputTokens,
        input: t.input.toString(),
        output: t.output.toString(),
        cachedInput: t.cachedInput.toString(),
      })),
    },
    capabilities: [...m.capabilities],
    embeddingDimensions: m.embeddingDimensions,
    regions: [...m.regions],
    local: m.local,
    parameters,
    source: m.source,
  };
  if (m.deprecationDate) json.deprecationDate = m.deprecationDate;
  return json;
}

const big = (v: unknown, where: string): bigint => {
  if (typeof v !== 'string' || !/^\d+$/.test(v)) throw new Error(`catalog data: ${where} is not a decimal integer string`);
  return BigInt(v);
};

/** Parses one stored model. Checks only what a corrupted file would break; the build wrote it. */
export function modelFromJson(j: ModelJson): ModelEntry {
  if (typeof j?.id !== 'string' || typeof j.pricing !== 'object' || typeof j.parameters !== 'object') {
    throw new Error(`catalog data: malformed model ${JSON.stringify(j)?.slice(0, 80)}`);
  }
  const p = j.pricing;
  const tiers: PriceTier[] = p.tiers.map((t, i) => ({
    aboveInputTokens: t.aboveInputTokens,
    input: big(t.input, `${j.id} tier ${i} input`),
    output: big(t.output, `${j.id} tier ${i} output`),
    cachedInput: big(t.cachedInput, `${j.id} tier ${i} cachedInput`),
  }));
  const entry: ModelEntry = {
    ...j,
    pricing: {
      input: big(p.input, `${j.id} input`),
      output: big(p.output, `${j.id} output`),
      cachedInput: big(p.cachedInput, `${j.id} cachedInput`),
      cacheWriteInput: big(p.cacheWriteInput, `${j.id} cacheWriteInput`),
      reasoning: big(p.reasoning, `${j.id} reasoning`),
      tiers,
    },
  };
  return entry;
}

export function zeroPricing(): Pricing {
  return { input: 0n, output: 0n, cachedInput: 0n, cacheWriteInput: 0n, reasoning: 0n, tiers: [] };
}
