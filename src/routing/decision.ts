// Decision records: what the planner was given and what it decided, in a JSON-safe form
// (bigints as decimal strings), and replay: re-run the pure planner on the stored inputs and
// report whether the plan is identical. Pure: storage and clocks live elsewhere.
import type { Capability } from '../catalog/types.js';
import { plan, type RoutingSnapshot } from './planner.js';
import type { Plan, PlanRequest, Requirements } from './types.js';

export interface DecisionInputs {
  request: Omit<PlanRequest, 'requirements'> & {
    requirements: Omit<Requirements, 'maxPricePerMillionTokens'> & { maxPricePerMillionTokens: string };
  };
  /** Endpoints whose breaker was not closed when the plan was made. */
  circuits: [string, string][];
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

export function inputsOf(req: PlanRequest, circuits: ReadonlyMap<string, string>, context?: Record<string, unknown>): DecisionInputs {
  return {
    request: {
      ...req,
      requirements: { ...req.requirements, maxPricePerMillionTokens: req.requirements.maxPricePerMillionTokens.toString() },
    },
    circuits: circuits.size === 0 ? [] : [...circuits.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
    ...(context ? { context: withoutEmpty(context) } : {}),
  };
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
  return {
    ...r,
    requirements: {
      ...r.requirements,
      capabilities: r.requirements.capabilities as Capability[],
      maxPricePerMillionTokens: BigInt(r.requirements.maxPricePerMillionTokens),
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
    again = storedPlan(plan(requestFrom(stored.inputs), snap, new Map(stored.inputs.circuits)));
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
    if (stored.catalogVersion !== snap.catalog.version) differences.unshift(`catalog version: ${stored.catalogVersion} → ${snap.catalog.version}`);
    if (stored.policyVersion !== snap.policyVersion) differences.unshift(`policy version: ${stored.policyVersion} → ${snap.policyVersion}`);
  }
  return { identical: differences.length === 0, differences };
}
