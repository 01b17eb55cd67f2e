// Reading a stored decision back, and replaying it: the same inputs through today's planner,
// under the policy it was made with or, for a what-if, another stored policy version.
import { SwitchyardError } from '../errors.js';
import { planFromRecord, replay, type DecisionInputs } from '../routing/decision.js';
import type { RoutingSnapshot } from '../routing/planner.js';
import { effectiveFor } from '../routing/policy.js';
import type { DecisionRow } from '../store/repos/decisions.js';
import type { Caller } from './caller.js';
import type { CallDeps } from './deps.js';

export interface DecisionReplay {
  identical: boolean;
  differences: string[];
  /** The effective policy version the replay ran under. */
  policyVersion: string;
}

/** undefined: no replay; policyVersion "": the decision's own policy. */
export interface ReplayRequest {
  policyVersion: string;
}

export async function getDecision(
  id: string,
  caller: Caller,
  deps: CallDeps,
  replayAs?: ReplayRequest,
): Promise<{ decision: DecisionRow; replay?: DecisionReplay }> {
  const row = await deps.decisions.get(id.toLowerCase());
  // Another tenant's decision is reported as missing: its existence is not revealed.
  if (!row || (!caller.admin && row.tenantId !== caller.tenant)) {
    throw new SwitchyardError('not_found', `decision "${id}" not found`, {
      reason: 'DECISION_NOT_FOUND',
      metadata: { decision_id: id },
    });
  }
  if (!replayAs) return { decision: row };
  const inputs = row.inputs as DecisionInputs;
  const tenant = inputs.request.tenant ?? '';
  let snap: RoutingSnapshot = deps.snapshot();
  if (replayAs.policyVersion !== '') {
    // What-if: the same inputs under another (stored) policy version.
    const policy = await deps.policyAt(replayAs.policyVersion, tenant, 'replay_policy_version');
    snap = { ...snap, policy, policyVersion: policy.platform.version };
  }
  const r = replay({ inputs, plan: planFromRecord(row.plan), catalogVersion: row.catalogVersion, policyVersion: row.policyVersion }, snap);
  return {
    decision: row,
    replay: { identical: r.identical, differences: r.differences, policyVersion: effectiveFor(snap, tenant).version },
  };
}
