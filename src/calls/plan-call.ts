// Planning one call, shared by Route, Chat and Embed: the tenant's effective policy (once),
// privacy labels as planner inputs, the input token count with the tokenizer of the model the
// request resolves to, the plan request, its env (health snapshot and seed) and the plan.
import type { ParameterName } from '../catalog/types.js';
import { uuidv7 } from '../ids.js';
import type { EstimableMessage } from '../routing/estimate.js';
import { plan, type PlanEnv } from '../routing/planner.js';
import { effectiveFor, type EffectivePolicy, type UnsupportedParameters } from '../routing/policy.js';
import { privacyFromLabels } from '../routing/privacy.js';
import { planEnvFor } from '../routing/seed.js';
import { countInputTokens, countTextTokens, encodingForRequest } from '../routing/tokenizer.js';
import type { Plan, PlanRequest, Requirements, Sensitivity, StrategyName } from '../routing/types.js';
import type { Caller } from './caller.js';
import type { CallDeps, CallSnapshot } from './deps.js';

/** The caller's routing context: what route rules, budgets and the ledger key on, and privacy labels. */
export interface CallContext {
  requestId: string;
  workerId: string;
  taskType: string;
  region: string;
  labels: Readonly<Record<string, string>>;
  /** The sensitivity the caller stated; privacy labels may raise it. */
  sensitivity: Sensitivity;
}

export const NO_CONTEXT: CallContext = Object.freeze({
  requestId: '',
  workerId: '',
  taskType: '',
  region: '',
  labels: Object.freeze({}),
  sensitivity: 'unspecified',
});

export interface PlanIntent {
  /** A model id, a bare upstream name or an alias; "" when a route rule chooses. */
  model: string;
  kind: 'chat' | 'embedding';
  /** What the input estimate counts: a conversation, or texts to embed. */
  input: { messages: readonly EstimableMessage[] } | { texts: readonly string[] };
  /** 0: uncapped. */
  maxOutputTokens: number;
  requirements: Requirements;
  strategy?: StrategyName | undefined;
  context: CallContext;
  /** Catalog parameters the call sets: required of every candidate under the "error" policy. */
  setParameters?: readonly ParameterName[];
}

export interface PlannedCall {
  snap: CallSnapshot;
  /** The tenant's effective policy (platform ∩ tenant), computed once per call. */
  policy: EffectivePolicy;
  /** How parameters a candidate does not accept are handled: the policy's, else the config's. */
  unsupported: UnsupportedParameters;
  request: PlanRequest;
  env: PlanEnv;
  plan: Plan;
  decisionId: string;
  plannedAt: Date;
}

export function planCall(intent: PlanIntent, caller: Caller, deps: CallDeps): PlannedCall {
  const snap = deps.snapshot();
  const ctx = intent.context;
  const who = { tenant: caller.tenant, workerId: ctx.workerId, taskType: ctx.taskType };
  const policy = effectiveFor(snap, caller.tenant);
  const unsupported = policy.unsupportedParameters ?? deps.unsupportedParameters;
  const privacy = privacyOf(ctx, intent.requirements);
  let requirements = privacy.requirements;
  if (unsupported === 'error' && intent.setParameters && intent.setParameters.length > 0) {
    // "error": a candidate that cannot take every parameter set is excluded, with a reason.
    requirements = { ...requirements, requiredParameters: [...requirements.requiredParameters, ...intent.setParameters] };
  }
  // The tokenizer of the model the request resolves to (tiktoken for OpenAI's, else the heuristic).
  const encoding = encodingForRequest(snap, intent.model, who);
  const input =
    'messages' in intent.input ? countInputTokens(intent.input.messages, encoding) : countTextTokens(intent.input.texts, encoding);
  const request: PlanRequest = {
    model: intent.model,
    ...who,
    kind: intent.kind,
    inputTokens: input.inputTokens,
    tokenizer: input.tokenizer,
    maxOutputTokens: intent.maxOutputTokens,
    requirements,
    sensitivity: privacy.sensitivity,
    ...(privacy.localRequired ? { localRequired: true } : {}),
    ...(intent.strategy ? { strategy: intent.strategy } : {}),
  };
  const env = planEnvFor(deps.executor, snap, request, ctx.requestId);
  // One clock reading for both: the id's embedded time IS the decision's created_at, which is how
  // GetDecision finds the one daily partition to read and the ledger row its partition
  // (migration 0005).
  const now = Date.now();
  return { snap, policy, unsupported, request, env, plan: plan(request, snap, env), decisionId: uuidv7(now), plannedAt: new Date(now) };
}

/**
 * Privacy labels as planner inputs (routing/privacy.ts): the raised sensitivity,
 * local_required, and the capabilities the modalities need (added to `requirements`).
 */
function privacyOf(
  ctx: CallContext,
  requirements: Requirements,
): { sensitivity: Sensitivity; localRequired?: true; requirements: Requirements } {
  if (Object.keys(ctx.labels).length === 0) return { sensitivity: ctx.sensitivity, requirements };
  const p = privacyFromLabels(ctx.labels, ctx.sensitivity);
  const missing = p.capabilities.filter((c) => !requirements.capabilities.includes(c));
  return {
    sensitivity: p.sensitivity,
    ...(p.localRequired ? { localRequired: true as const } : {}),
    requirements: missing.length > 0 ? { ...requirements, capabilities: [...requirements.capabilities, ...missing] } : requirements,
  };
}
