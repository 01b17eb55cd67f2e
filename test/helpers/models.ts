// Small hand-made catalog entries for planner tests (the real catalog is tested on its own).
import { PARAMETER_NAMES, type ModelEntry, type ParameterAvailability, type ParameterName } from '../../src/catalog/types.js';

export function model(id: string, over: Partial<ModelEntry> = {}): ModelEntry {
  const [vendor, ...rest] = id.split('/');
  const parameters = Object.fromEntries(PARAMETER_NAMES.map((n) => [n, { state: 'opaque' }])) as Record<
    ParameterName,
    ParameterAvailability
  >;
  return {
    id,
    vendor: vendor!,
    upstreamModel: rest.join('/'),
    displayName: id,
    kind: 'chat',
    contextWindow: 128_000,
    maxOutputTokens: 16_384,
    pricing: { input: 2_500_000n, output: 10_000_000n, cachedInput: 0n, cacheWriteInput: 0n, reasoning: 0n, tiers: [] },
    capabilities: ['tools', 'streaming', 'json_output'],
    embeddingDimensions: 0,
    regions: [],
    local: false,
    parameters,
    source: 'config',
    ...over,
  };
}

/** A minimal CatalogView over a list of entries. */
export function catalogOf(entries: ModelEntry[]) {
  const byId = new Map(entries.map((e) => [e.id, e]));
  return {
    version: 'test',
    get: (id: string) => byId.get(id),
    resolve: (name: string) => byId.get(name) ?? entries.find((e) => e.upstreamModel === name),
  };
}
