// The planner's seed: every "random-looking" choice (weighted picks, exploration) is a pure
// function of it, so the same request gives the same plan and a stored decision replays
// exactly. The hash (hash.ts) is FNV-1a 32, not cryptographic: a seed only spreads load; it
// protects nothing.
import type { BreakerRegistry } from './breaker.js';
import { fnv1a32 } from './hash.js';
import { healthSnapshotOf, type HealthSource } from './health.js';
import type { PlanEnv, RoutingSnapshot } from './planner.js';
import { effectiveFor } from './policy.js';
import type { PlanRequest } from './types.js';

/**
 * Seed from the caller's request_id and the policy version. Without a request_id, a hash of the
 * request's features: identical requests then get identical choices (by design: replayable),
 * so a caller that wants weighted spreading across identical prompts sets request_id.
 */
export function seedOf(requestId: string, policyVersion: string, req: PlanRequest): number {
  const subject = requestId !== '' ? `id\u0000${requestId}` : `req\u0000${featuresOf(req)}`;
  return fnv1a32(policyVersion, fnv1a32('\u0000', fnv1a32(subject)));
}

function featuresOf(r: PlanRequest): string {
  return [r.model, r.tenant ?? '', r.workerId ?? '', r.taskType ?? '', r.kind, r.inputTokens, r.maxOutputTokens, r.strategy ?? ''].join(
    '\u0000',
  );
}

/**
 * The env of one plan, captured at request time: the health snapshot (with circuit states)
 * and the seed from request_id and the request's effective policy version.
 */
export function planEnvFor(
  deps: { health?: HealthSource | undefined; breakers: BreakerRegistry },
  snap: RoutingSnapshot,
  req: PlanRequest,
  requestId: string,
): PlanEnv {
  return { health: healthSnapshotOf(deps), seed: seedOf(requestId, effectiveFor(snap, req.tenant).version, req) };
}
