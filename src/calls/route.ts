// The Route use case: the planner without execution. The plan is recorded as a decision so
// it can be read back and replayed.
import type { Plan } from '../routing/types.js';
import type { Caller } from './caller.js';
import { decisionRecord } from './decision-record.js';
import type { CallDeps } from './deps.js';
import { planCall, type PlanIntent } from './plan-call.js';
import { NO_TELEMETRY, ObservedCall } from './observe.js';

export interface RouteOutcome {
  decisionId: string;
  plan: Plan;
  policyVersion: string;
  catalogVersion: string;
}

export function route(intent: PlanIntent, caller: Caller, deps: CallDeps): RouteOutcome {
  const call = new ObservedCall(deps.telemetry ?? NO_TELEMETRY, 'Route', caller, intent.context.requestId);
  let planned: ReturnType<typeof planCall>;
  try {
    planned = planCall(intent, caller, deps);
  } catch (err) {
    call.failed(err);
    throw err;
  }
  call.decided(planned.decisionId);
  const first = planned.plan.candidates[0];
  if (first) call.served(first.provider, first.model.id);
  call.end('ok');
  deps.decisions.record(decisionRecord('Route', planned, caller, intent.context));
  return {
    decisionId: planned.decisionId,
    plan: planned.plan,
    policyVersion: planned.policy.version,
    catalogVersion: planned.snap.catalog.version,
  };
}
