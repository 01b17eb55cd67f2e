// The planner's seed: every "random-looking" choice (weighted picks, exploration) is a pure
// function of it, so the same request gives the same plan and a stored decision replays
// exactly. FNV-1a 32 over UTF-16 code units: fast, no allocation, not cryptographic (a seed only
// spreads load; it protects nothing).
import type { BreakerRegistry } from './breaker.js';
import { healthSnapshotOf, type HealthSource } from './health.js';
import type { PlanEnv, RoutingSnapshot } from './planner.js';
import { effectiveFor } from './policy.js';
import type { PlanRequest } from './types.js';

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

export function fnv1a32(text: string, hash = FNV_OFFSET): number {
  let h = hash;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, FNV_PRIME);
  }
  return h >>> 0;
}

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
  return [r.model, r.tenant ?? '', r.workerId ?? '', r.taskType ?? '', r.kind, r.inputTokens, r.maxOutputTokens, r.strategy ?? ''].join('\u0000');
}

/**
 * A well-mixed 32-bit value from the seed and a salt (murmur3's finaliser): sequential seeds
 * and salts give independent-looking outputs. Integer ops only, so exact on every platform.
 */
export function mix32(seed: number, salt: number): number {
  let h = (seed ^ Math.imul(salt + 1, 0x9e3779b1)) >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
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
