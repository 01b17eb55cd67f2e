// Strategies: how the planner orders the candidates that passed every hard constraint. The
// first candidate is the choice; the rest follow as the fallback chain. Pure: health, weights,
// quality and the seed arrive as inputs; randomness is a hash of the seed; every score is
// integer arithmetic, so a stored decision replays bit for bit on any machine.
// Sorts are stable: ties keep the configured (priority) order.
import type { ModelKind } from '../catalog/types.js';
import { mix32 } from './hash.js';
import { endpointKey, type EndpointHealth, type HealthSnapshot } from './health.js';
import { STRATEGIES, type Candidate, type StrategyName } from './types.js';

export interface StrategyTuning {
  /** fastest: per-mille of plans that put an endpoint without latency data first. */
  explorationPermille: number;
  /** scored: integer weights of the normalised cost, latency and quality terms. */
  scored: { cost: number; latency: number; quality: number };
}

export const DEFAULT_TUNING: StrategyTuning = Object.freeze({
  explorationPermille: 100,
  scored: Object.freeze({ cost: 1, latency: 1, quality: 1 }),
});

export interface StrategyInputs {
  kind: ModelKind;
  health: HealthSnapshot;
  seed: number;
  /** Alias target weights by model id; a model not listed weighs 1. */
  weights?: ReadonlyMap<string, number>;
  /** Operator quality score 0..100 (config `models[].quality`, admin overrides). */
  quality: (modelId: string) => number | undefined;
  tuning: StrategyTuning;
}

/** Every strategy of the contract. A name outside this set answers UNIMPLEMENTED. */
export const IMPLEMENTED: ReadonlySet<StrategyName> = new Set(STRATEGIES);

// Salts keep the seed's uses independent of each other.
const SALT_EXPLORE = 1;
const SALT_EXPLORE_PICK = 2;
const SALT_WEIGHTED = 16;

/** Scale of normalised terms: 0 (best) .. NORM (worst). */
const NORM = 1000;

export function orderCandidates(cands: Candidate[], strategy: StrategyName, inp: StrategyInputs): Candidate[] {
  if (cands.length < 2) return cands;
  switch (strategy) {
    case 'pinned':
    case 'priority':
      return cands;
    case 'cheapest':
      return sortBy(cands, (c) => c.estimate.maxCost, cmp);
    case 'fastest':
      return fastest(cands, inp);
    case 'quality':
      return quality(cands, inp);
    case 'weighted':
      return weighted(cands, inp);
    case 'least_busy':
      return sortBy(cands, (c) => entryOf(inp.health, c)?.inFlight ?? 0, cmp);
    case 'scored':
      return scored(cands, inp);
  }
}

export function entryOf(h: HealthSnapshot, c: { provider: string; model: { id: string } }): EndpointHealth | undefined {
  return h.endpoints.size === 0 ? undefined : h.endpoints.get(endpointKey(c.provider, c.model.id));
}

/**
 * Observed speed in ms, 0 = no data. A chat (always streamed) is judged by its time to first
 * token, falling back to the whole duration (an upper bound of it); embeddings by duration.
 */
function speedOf(inp: StrategyInputs, c: Candidate): number {
  const h = entryOf(inp.health, c);
  if (!h) return 0;
  return inp.kind === 'chat' && h.ttftMs > 0 ? h.ttftMs : h.latencyMs;
}

/**
 * Measured endpoints by speed; endpoints without data after them, except that a bounded share
 * of plans (tuning.explorationPermille, chosen by the seed) puts one of them first, so a new
 * or recovered endpoint gets measured without a fixed fraction of traffic hitting it forever.
 */
function fastest(cands: Candidate[], inp: StrategyInputs): Candidate[] {
  const speeds = cands.map((c) => speedOf(inp, c));
  const idx = cands.map((_, i) => i);
  const known = idx
    .filter((i) => speeds[i]! > 0)
    .sort((a, b) => speeds[a]! - speeds[b]! || a - b)
    .map((i) => cands[i]!);
  const unknown = cands.filter((_, i) => speeds[i] === 0);
  if (known.length === 0 || unknown.length === 0) return [...known, ...unknown];
  if (mix32(inp.seed, SALT_EXPLORE) % 1000 < inp.tuning.explorationPermille) {
    const pick = unknown[mix32(inp.seed, SALT_EXPLORE_PICK) % unknown.length]!;
    return [pick, ...known, ...unknown.filter((c) => c !== pick)];
  }
  return [...known, ...unknown];
}

/** Highest quality score first; unscored models last; ties by this request's cost. */
function quality(cands: Candidate[], inp: StrategyInputs): Candidate[] {
  const q = cands.map((c) => inp.quality(c.model.id) ?? -1);
  return sortBy(
    cands,
    (_c, i) => i,
    (a, b) => q[b]! - q[a]! || cmp(cands[a]!.estimate.maxCost, cands[b]!.estimate.maxCost),
  );
}

/**
 * Weighted choice of a MODEL (alias targets carry the weights), then that model's endpoints in
 * configured order. The fallback chain continues as weighted sampling without replacement;
 * zero-weight models come last. Integer modulo of a seed hash, so exact everywhere.
 */
function weighted(cands: Candidate[], inp: StrategyInputs): Candidate[] {
  const groups: { weight: number; members: Candidate[] }[] = [];
  const byModel = new Map<string, { weight: number; members: Candidate[] }>();
  for (const c of cands) {
    let g = byModel.get(c.model.id);
    if (!g) {
      const w = inp.weights?.get(c.model.id) ?? 1;
      g = { weight: Number.isFinite(w) && w > 0 ? Math.floor(w) : 0, members: [] };
      byModel.set(c.model.id, g);
      groups.push(g);
    }
    g.members.push(c);
  }
  const pool = groups.filter((g) => g.weight > 0);
  let total = pool.reduce((s, g) => s + g.weight, 0);
  const out: Candidate[] = [];
  for (let round = 0; pool.length > 0; round++) {
    let r = mix32(inp.seed, SALT_WEIGHTED + round) % total;
    let i = 0;
    while (r >= pool[i]!.weight) r -= pool[i++]!.weight;
    const [g] = pool.splice(i, 1);
    total -= g!.weight;
    out.push(...g!.members);
  }
  for (const g of groups) if (g.weight === 0) out.push(...g.members);
  return out;
}

/**
 * Lowest score first: tuning.scored weights × (cost, latency, quality), each min-max normalised
 * over the candidates to 0..1000 (0 best). Unknown latency scores the midpoint (neither
 * rewarded nor punished); unknown quality scores the worst when any candidate has a score.
 * Ties by cost, then configured order.
 */
function scored(cands: Candidate[], inp: StrategyInputs): Candidate[] {
  const w = inp.tuning.scored;
  const costs = cands.map((c) => c.estimate.maxCost);
  let minC = costs[0]!;
  let maxC = costs[0]!;
  for (const c of costs) {
    if (c < minC) minC = c;
    if (c > maxC) maxC = c;
  }
  const speeds = cands.map((c) => speedOf(inp, c));
  const quals = cands.map((c) => inp.quality(c.model.id));
  const [minS, maxS] = range(speeds.filter((s) => s > 0));
  const [minQ, maxQ] = range(quals.filter((q): q is number => q !== undefined));
  const anyQ = quals.some((q) => q !== undefined);
  const score = cands.map((_, i) => {
    const nc = maxC === minC ? 0 : Number(((costs[i]! - minC) * BigInt(NORM)) / (maxC - minC));
    const s = speeds[i]!;
    const ns = s === 0 ? NORM / 2 : maxS === minS ? 0 : Math.floor(((s - minS) * NORM) / (maxS - minS));
    const q = quals[i];
    const nq = q === undefined ? (anyQ ? NORM : 0) : maxQ === minQ ? 0 : Math.floor(((maxQ - q) * NORM) / (maxQ - minQ));
    return w.cost * nc + w.latency * ns + w.quality * nq;
  });
  return sortBy(
    cands,
    (_c, i) => i,
    (a, b) => score[a]! - score[b]! || cmp(costs[a]!, costs[b]!),
  );
}

function range(xs: number[]): [number, number] {
  let min = Infinity;
  let max = -Infinity;
  for (const x of xs) {
    if (x < min) min = x;
    if (x > max) max = x;
  }
  return [min, max];
}

function cmp<T extends number | bigint>(a: T, b: T): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Stable decorate-sort: keys computed once per candidate. */
function sortBy<K>(cands: Candidate[], key: (c: Candidate, i: number) => K, compare: (a: K, b: K) => number): Candidate[] {
  const keyed = cands.map((c, i) => ({ c, k: key(c, i), i }));
  keyed.sort((a, b) => compare(a.k, b.k) || a.i - b.i);
  return keyed.map((x) => x.c);
}
