// The stored record of a routing decision: what was planned, under which policy and catalog
// versions, with the caller's context (never message content) and, for executed calls, the
// outcome. Replay re-plans from these inputs (routing/decision.ts).
import { inputsOf, planRecord } from '../routing/decision.js';
import type { DecisionRow } from '../store/repos/decisions.js';
import type { Caller } from './caller.js';
import type { CallContext, PlannedCall } from './plan-call.js';

export function decisionRecord(
  rpc: DecisionRow['rpc'],
  planned: PlannedCall,
  caller: Caller,
  context: CallContext,
  outcome?: unknown,
): DecisionRow {
  const stored = {
    requestId: context.requestId,
    workerId: context.workerId,
    taskType: context.taskType,
    region: context.region,
    labels: context.labels,
  };
  return {
    id: planned.decisionId,
    tenantId: caller.tenant,
    rpc,
    createdAt: planned.plannedAt,
    // The request's own effective version ("platform:3+tenant:acme:2"): replay uses the same policy.
    policyVersion: planned.policy.version,
    catalogVersion: planned.snap.catalog.version,
    inputs: inputsOf(planned.request, planned.env, stored, planned.plan),
    plan: planRecord(planned.plan),
    outcome,
  };
}
