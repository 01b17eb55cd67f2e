// The Route use case: the planner without execution. The plan is recorded as a decision so
// it can be read back and replayed.
import type { Plan } from '../routing/types.js';
import type { Caller } from './caller.js';
import { decisionRecord } from './decision-record.js';
import type { CallDeps } from './deps.js';
import { planCall, type PlanIntent } from './plan-call.js';

export interface RouteOutcome {
  decisionId: string;
  plan: Plan;
  policyVersion: string;
  catalogVersion: string;
}

export function route(intent: PlanIntent, caller: Caller, deps: CallDeps): RouteOutcome {
  const planned = planCall(intent, caller, deps);
  deps.decisions.record(decisionRecord('Route', planned, caller, intent.context));
  return {
    decisionId: planned.decisionId,
    plan: planned.plan,
    policyVersion: planned.policy.version,
    catalogVersion: planned.snap.catalog.version,
  };
}
