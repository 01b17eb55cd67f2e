// Route rules: (tenant, worker_id, task_type) → a model or alias. A rule's empty field matches
// anything; of the rules that match, the most specific wins (tenant outweighs worker, which
// outweighs task type), then the configured order. Pure.
import type { StrategyName } from './types.js';

export interface RouteRuleDef {
  id: string;
  tenant: string;
  workerId: string;
  taskType: string;
  target: string;
  strategy?: StrategyName;
}

function specificity(r: RouteRuleDef): number {
  return (r.tenant ? 4 : 0) + (r.workerId ? 2 : 0) + (r.taskType ? 1 : 0);
}

export function matchRoute(rules: readonly RouteRuleDef[], tenant: string, workerId: string, taskType: string): RouteRuleDef | undefined {
  let best: RouteRuleDef | undefined;
  for (const r of rules) {
    if (r.tenant && r.tenant !== tenant) continue;
    if (r.workerId && r.workerId !== workerId) continue;
    if (r.taskType && r.taskType !== taskType) continue;
    if (!best || specificity(r) > specificity(best)) best = r;
  }
  return best;
}
