// Decision records: what the planner was given and what it decided, in a JSON-safe form
// (bigints as decimal strings), and replay: re-run the pure planner on the stored inputs and
// report whether the plan is identical. Pure: storage and clocks live elsewhere.
import type { Capability } from '../catalog/types.js';
import { plan, type PlanEnv, type RoutingSnapshot } from './planner.js';
import { healthFromStored, storedHealth, type StoredHealth } from './health.js';
import { NO_REQUIREMENTS, type Plan, type PlanRequest, type Requirements } from './types.js';
import { effectiveFor } from './policy.js';

export interface DecisionInputs {
  request: Omit<PlanRequest, 'requirements'> & {
    /** Only the requirements that differ from NO_REQUIREMENTS (older records: all of them). */
    requirements?: Partial<Omit<Requirements, 'maxPricePerMillionTokens'> & { maxPricePerMillionTokens: string }>;
  };
  /** Endpoints whose breaker was not closed when the plan was made (absent: none). */
  circuits?: [string, string][];
  /** The planner's seed (seed.ts); absent in records older than the routing engine (→ 0). */
  seed?: number;
  /** Health of the endpoints the plan considered, quantised as the planner read it. */
  health?: StoredHealth[];
  /** Caller context (worker, task type, labels…), for audits. */
  context?: Record<string, unknown>;
}

export interface StoredEstimate {
  inputTokens: number;
  maxOutputTokens: number;
  inputCost: string;
  maxCost: string;
  tokenizer: string;
}

export interface StoredPlan {
  resolved: string;
  strategy: string;
  candidates: { provider: string; model: string; upstreamModel: string; estimate: StoredEstimate }[];
  excluded: { provider: string; model: string; reason: string; detail: string }[];
  estimate: StoredEstimate;
}

/**
 * `p`: the plan made from these inputs; only the health of the endpoints it considered
 * (candidates and exclusions) is kept, which is all the planner read. Without it, all of it.
 */
export function inputsOf(req: PlanRequest, env: PlanEnv, context?: Record<string, unknown>, p?: Plan): DecisionInputs {
  const circuits = env.health.circuits;
  const health =
    env.health.endpoints.size === 0
      ? []
      : storedHealth(
          env.health,
          p ? [...p.candidates.map((c) => ({ provider: c.provider, model: c.model.id })), ...p.excluded] : endpointsOf(env),
        );
  const requirements = setRequirements(req.requirements);
  const { requirements: _all, ...rest } = req;
  return {
    request: requirements ? { ...rest, requirements } : rest,
    ...(circuits.size === 0 ? {} : { circuits: [...circuits.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)) }),
    seed: env.seed,
    ...(health.length > 0 ? { health } : {}),
    ...(context ? { context: withoutEmpty(context) } : {}),
  };
}

function endpointsOf(env: PlanEnv): { provider: string; model: string }[] {
  return [...env.health.endpoints.keys()].map((k) => {
    const i = k.indexOf(':');
    return { provider: k.slice(0, i), model: k.slice(i + 1) };
  });
}

/** The env a stored decision was planned with. */
export function envFrom(inputs: DecisionInputs): PlanEnv {
  return { health: healthFromStored(inputs.health, inputs.circuits ?? []), seed: inputs.seed ?? 0 };
}

/**
 * A record is written for ~every request, so only requirements that were set are stored
 * (most requests set none); requestFrom() restores the defaults.
 */
function setRequirements(r: Requirements): DecisionInputs['request']['requirements'] | undefined {
  let out: NonNullable<DecisionInputs['request']['requirements']> | undefined;
  for (const key of Object.keys(r) as (keyof Requirements)[]) {
    const v = r[key];
    if (Array.isArray(v) ? v.length === 0 : v === NO_REQUIREMENTS[key]) continue;
    out ??= {};
    (out as Record<string, unknown>)[key] = typeof v === 'bigint' ? v.toString() : v;
  }
  return out;
}

/** Records are written on ~every request: empty context fields are not worth storing. */
function withoutEmpty(o: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) {
    if (v === '' || v === undefined || (typeof v === 'object' && v !== null && Object.keys(v).length === 0)) continue;
    out[k] = v;
  }
  return out;
}

export function requestFrom(inputs: DecisionInputs): PlanRequest {
  const r = inputs.request;
  const set = r.requirements ?? {};
  return {
    ...r,
    requirements: {
      ...NO_REQUIREMENTS,
      ...set,
      capabilities: (set.capabilities ?? []) as Capability[],
      maxPricePerMillionTokens: BigInt(set.maxPricePerMillionTokens ?? '0'),
    },
  };
}

const estimateOf = (e: Plan['estimate']): StoredEstimate => ({
  inputTokens: e.inputTokens,
  maxOutputTokens: e.maxOutputTokens,
  inputCost: e.inputCost.toString(),
  maxCost: e.maxCost.toString(),
  tokenizer: e.tokenizer,
});

export function storedPlan(p: Plan): StoredPlan {
  return {
    resolved: p.resolved,
    strategy: p.strategy,
    candidates: p.candidates.map((c) => ({
      provider: c.provider,
      model: c.model.id,
      upstreamModel: c.model.upstreamModel,
      estimate: estimateOf(c.estimate),
    })),
    excluded: p.excluded.map((e) => ({ provider: e.provider, model: e.model, reason: e.reason, detail: e.detail })),
    estimate: estimateOf(p.estimate),
  };
}

/**
 * The plan as stored: positional tuples, request-wide estimate fields once, the plan's own
 * estimate left out (it is the first candidate's). About half the bytes of StoredPlan, on a
 * record written for ~every request. planFromRecord() reads it back (and older records).
 */
export interface PlanRecord {
  v: 2;
  resolved: string;
  strategy: string;
  /** Estimated input tokens and how they were counted (the same for every candidate). */
  input: [number, string];
  /** [provider, model, upstreamModel, maxOutputTokens, inputCost, maxCost] */
  c: [string, string, string, number, string, string][];
  /** [provider, model, reason, detail] */
  x?: [string, string, string, string][];
}

export function planRecord(p: Plan): PlanRecord {
  return {
    v: 2,
    resolved: p.resolved,
    strategy: p.strategy,
    input: [p.estimate.inputTokens, p.estimate.tokenizer],
    c: p.candidates.map((c) => [
      c.provider,
      c.model.id,
      c.model.upstreamModel,
      c.estimate.maxOutputTokens,
      c.estimate.inputCost.toString(),
      c.estimate.maxCost.toString(),
    ]),
    ...(p.excluded.length > 0
      ? { x: p.excluded.map((e) => [e.provider, e.model, e.reason, e.detail] as [string, string, string, string]) }
      : {}),
  };
}

/** A stored plan in either format (PlanRecord, or the StoredPlan of older records). */
export function planFromRecord(stored: unknown): StoredPlan {
  const r = stored as PlanRecord | StoredPlan;
  if (!('v' in r) || r.v !== 2) return r as StoredPlan;
  const [inputTokens, tokenizer] = r.input;
  const candidates = r.c.map(([provider, model, upstreamModel, maxOutputTokens, inputCost, maxCost]) => ({
    provider,
    model,
    upstreamModel,
    estimate: { inputTokens, maxOutputTokens, inputCost, maxCost, tokenizer },
  }));
  return {
    resolved: r.resolved,
    strategy: r.strategy,
    candidates,
    excluded: (r.x ?? []).map(([provider, model, reason, detail]) => ({ provider, model, reason, detail })),
    estimate: candidates[0]?.estimate ?? { inputTokens, maxOutputTokens: 0, inputCost: '0', maxCost: '0', tokenizer },
  };
}

export interface ReplayOutcome {
  identical: boolean;
  differences: string[];
}

/**
 * Re-plans the stored inputs against `snap` and compares. Version changes since the decision
 * (catalog, policy) are reported as differences only when they change the plan; they are
 * listed first so a reader sees why.
 */
export function replay(
  stored: { inputs: DecisionInputs; plan: StoredPlan; catalogVersion: string; policyVersion: string },
  snap: RoutingSnapshot,
): ReplayOutcome {
  let again: StoredPlan;
  try {
    again = storedPlan(plan(requestFrom(stored.inputs), snap, envFrom(stored.inputs)));
  } catch (err) {
    return { identical: false, differences: [`the planner now refuses the request: ${(err as Error).message}`] };
  }
  const differences: string[] = [];
  const a = stored.plan;
  if (a.resolved !== again.resolved) differences.push(`resolved: ${a.resolved} → ${again.resolved}`);
  if (a.strategy !== again.strategy) differences.push(`strategy: ${a.strategy} → ${again.strategy}`);
  const key = (c: StoredPlan['candidates'][number]) => `${c.provider}/${c.model} est ${c.estimate.maxCost}`;
  const was = a.candidates.map(key);
  const now = again.candidates.map(key);
  if (was.join('|') !== now.join('|')) differences.push(`candidates: [${was.join(', ')}] → [${now.join(', ')}]`);
  const ex = (e: StoredPlan['excluded'][number]) => `${e.provider}/${e.model}:${e.reason}`;
  const exWas = a.excluded.map(ex).sort();
  const exNow = again.excluded.map(ex).sort();
  if (exWas.join('|') !== exNow.join('|')) differences.push(`excluded: [${exWas.join(', ')}] → [${exNow.join(', ')}]`);
  if (differences.length > 0) {
    if (stored.catalogVersion !== snap.catalog.version)
      differences.unshift(`catalog version: ${stored.catalogVersion} → ${snap.catalog.version}`);
    // The version the request's tenant plans under, e.g. "platform:3+tenant:acme:2" (policy.ts).
    const policyNow = effectiveFor(snap, stored.inputs.request.tenant).version;
    if (stored.policyVersion !== policyNow) differences.unshift(`policy version: ${stored.policyVersion} → ${policyNow}`);
  }
  return { identical: differences.length === 0, differences };
}
