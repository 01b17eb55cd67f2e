// The catalog build: two public datasets in, one deterministic catalog.json out. Pure (text in,
// text out) so the freshness test can run it in-process; scripts/build-catalog.ts does the I/O.
import { createHash } from 'node:crypto';
import { deriveParameters } from '../parameters.js';
import { modelToJson } from '../serialize.js';
import type { CatalogSource } from '../serialize.js';
import type { ModelEntry } from '../types.js';
import { byString, countSkip } from './draft.js';
import type { Draft, SkipCounts } from './draft.js';
import { litellmDraft } from './litellm.js';
import { openRouterCandidates, openRouterDraft, openRouterHints } from './openrouter.js';
import type { OpenRouterModel } from './openrouter.js';
import { PriceConverter } from './prices.js';

export const LITELLM_FILE = 'model_prices_and_context_window.json';
export const OPENROUTER_FILE = 'openrouter_api_v1_models_2026-08-01.json';
export const CATALOG_UNIT = 'pico-USD per token';
export const CATALOG_FORMAT = 1;

export type SourceInfo = CatalogSource;

const SOURCE_META: Omit<SourceInfo, 'sha256'>[] = [
  {
    file: LITELLM_FILE,
    name: 'LiteLLM model prices and context windows',
    url: 'https://github.com/BerriAI/litellm/blob/main/model_prices_and_context_window.json',
    licence: 'MIT',
    snapshot: '2026-08-01',
  },
  {
    file: OPENROUTER_FILE,
    name: 'OpenRouter /api/v1/models response',
    url: 'https://openrouter.ai/api/v1/models',
    licence: 'OpenRouter public API data (OpenRouter Terms of Service); factual model metadata',
    snapshot: '2026-08-01',
  },
];

export interface BuildInput {
  /** Raw text of LITELLM_FILE. */
  litellm: string;
  /** Raw text of OPENROUTER_FILE. */
  openrouter: string;
}

export interface BuildSummary {
  total: number;
  /** vendor → kind → count. */
  byVendor: Record<string, { chat: number; embedding: number }>;
  /** LiteLLM records not kept, by reason. */
  skipped: SkipCounts;
  /** Direct-vendor models whose parameter surface used OpenRouter's data. */
  openRouterMatched: number;
}

export interface BuildResult {
  /** The catalog.json text. */
  text: string;
  version: string;
  models: ModelEntry[];
  summary: BuildSummary;
  prices: PriceConverter;
}

const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');

/** Picks one draft per id (case-insensitive): canonical spelling first, then key byte order. */
function dedupe(found: { draft: Draft; canonical: boolean; key: string }[], skipped: SkipCounts): Draft[] {
  const byId = new Map<string, { draft: Draft; canonical: boolean; key: string }>();
  const ordered = [...found].sort((a, b) => Number(b.canonical) - Number(a.canonical) || byString(a.key, b.key));
  for (const f of ordered) {
    const k = f.draft.id.toLowerCase();
    if (byId.has(k)) countSkip(skipped, 'duplicate');
    else byId.set(k, f);
  }
  return [...byId.values()].map((f) => f.draft);
}

export function buildCatalog(input: BuildInput): BuildResult {
  const prices = new PriceConverter();
  const skipped: SkipCounts = {};
  const litellm = JSON.parse(input.litellm) as Record<string, Record<string, unknown>>;
  const openrouter = (JSON.parse(input.openrouter) as { data: OpenRouterModel[] }).data;

  const keys = new Set(Object.keys(litellm));
  const found = [];
  for (const key of [...keys].sort(byString)) {
    if (key === 'sample_spec') continue; // LiteLLM's schema documentation, not a model
    const f = litellmDraft(key, litellm[key] ?? {}, keys, prices, skipped);
    if (f) found.push(f);
  }
  const fromLiteLlm = dedupe(found, skipped);

  const orById = new Map(openrouter.map((m) => [m.id, m]));
  const orIds = new Set(openrouter.map((m) => `openrouter/${m.id}`.toLowerCase()));
  const drafts: Draft[] = [...openrouter].sort((a, b) => byString(a.id, b.id)).map((m) => openRouterDraft(m, prices));
  let openRouterMatched = 0;
  for (const d of fromLiteLlm) {
    // The live API is newer and richer than LiteLLM's copy of OpenRouter's list.
    if (d.vendor === 'openrouter' && orIds.has(d.id.toLowerCase())) {
      countSkip(skipped, 'superseded_by_openrouter_api');
      continue;
    }
    const match = openRouterCandidates(d.vendor, d.upstreamModel).find((id) => orById.has(id));
    if (match) {
      d.openRouter = openRouterHints(orById.get(match)!);
      openRouterMatched++;
    }
    drafts.push(d);
  }
  prices.check();

  const models = drafts.map(toEntry).sort((a, b) => byString(a.id, b.id));
  const byVendor: BuildSummary['byVendor'] = {};
  for (const m of models) (byVendor[m.vendor] ??= { chat: 0, embedding: 0 })[m.kind]++;
  const sources = SOURCE_META.map((s) => ({
    ...s,
    sha256: sha256(s.file === LITELLM_FILE ? input.litellm : input.openrouter),
  }));
  const { text, version } = formatCatalog(models, sources);
  return { text, version, models, prices, summary: { total: models.length, byVendor, skipped, openRouterMatched } };
}

function toEntry(d: Draft): ModelEntry {
  const { effortFlags, samplingParams, openRouter, ...rest } = d;
  const parameters = deriveParameters({
    vendor: d.vendor,
    upstreamModel: d.upstreamModel,
    kind: d.kind,
    capabilities: d.capabilities,
    maxOutputTokens: d.maxOutputTokens,
    ...(openRouter ? { openRouter } : {}),
    ...(effortFlags ? { effortFlags } : {}),
    ...(samplingParams !== undefined ? { samplingParams } : {}),
  });
  return { ...rest, parameters };
}

/**
 * One model per line between a small header and footer: diffs stay readable and the file stays
 * compact. `version` hashes exactly the model lines, so it changes iff a model changes.
 */
export function formatCatalog(models: readonly ModelEntry[], sources: readonly SourceInfo[]): { text: string; version: string } {
  const lines = models.map((m) => JSON.stringify(modelToJson(m)));
  const version = sha256(lines.join('\n')).slice(0, 16);
  const header = [
    '{',
    `"format": ${CATALOG_FORMAT},`,
    `"generatedBy": "scripts/build-catalog.ts (npm run catalog:build)",`,
    `"unit": ${JSON.stringify(CATALOG_UNIT)},`,
    `"version": "${version}",`,
    `"sources": [\n${sources.map((s) => JSON.stringify(s)).join(',\n')}\n],`,
    '"models": [',
  ].join('\n');
  return { text: `${header}\n${lines.join(',\n')}\n]\n}\n`, version };
}
