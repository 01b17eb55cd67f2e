// A model as the build assembles it, before its parameter surface is derived.
import type { OpenRouterHints } from '../parameters.js';
import type { Capability, ModelEntry } from '../types.js';
import { CAPABILITIES } from '../types.js';

export interface Draft extends Omit<ModelEntry, 'parameters'> {
  /** LiteLLM `supports_<level>_reasoning_effort` flags, when present. */
  effortFlags?: Record<string, boolean>;
  /** LiteLLM `supports_sampling_params`, when present. */
  samplingParams?: boolean;
  /** OpenRouter's data for this model (its own entry, or the matching one for a direct vendor). */
  openRouter?: OpenRouterHints;
}

/** Reasons a source record does not become a catalog entry; counted in the build summary. */
export type SkipReason =
  | 'mode'
  | 'vendor'
  | 'fine_tune_template'
  | 'size_price_template'
  | 'not_a_model'
  | 'duplicate'
  | 'superseded_by_openrouter_api';

export type SkipCounts = Partial<Record<SkipReason, number>>;

export function countSkip(counts: SkipCounts, reason: SkipReason): void {
  counts[reason] = (counts[reason] ?? 0) + 1;
}

/** Capabilities in the canonical CAPABILITIES order, without duplicates. */
export function orderCapabilities(caps: Iterable<Capability>): Capability[] {
  const set = new Set(caps);
  return CAPABILITIES.filter((c) => set.has(c));
}

/** A non-negative integer token count from a loosely typed source field; 0 = unknown. */
export function tokenCount(v: unknown): number {
  return typeof v === 'number' && Number.isInteger(v) && v > 0 ? v : 0;
}

/** YYYY-MM-DD or undefined. */
export function isoDate(v: unknown): string | undefined {
  return typeof v === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(v) ? v : undefined;
}

/** Embedding models that take an output-size parameter (Matryoshka-trained). */
export function acceptsDimensions(vendor: string, upstreamModel: string): boolean {
  if (vendor === 'openai') return /^text-embedding-3-/.test(upstreamModel); // `dimensions`
  if (vendor === 'gemini') return /embedding/.test(upstreamModel); // `outputDimensionality`
  if (vendor === 'mistral') return /^codestral-embed/.test(upstreamModel); // `output_dimension`
  return false;
}

/** Byte-order comparison (not locale): the catalog's one sort order. */
export const byString = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
