// Rate limits at the start of a call (src/limits/): after planning, before the budget hold, so
// a refused call reserves nothing and reaches no upstream. Chat and Embed count; Route does
// not: it plans without calling an upstream, spends nothing and holds nothing, and a client
// that plans before it calls should not pay its request quota twice.
import type { Admission } from '../limits/limiter.js';
import type { Candidate } from '../routing/types.js';
import type { Caller } from './caller.js';
import type { CallDeps } from './deps.js';

const NONE: Admission = { release: () => undefined };

/**
 * Admits the call against the limits of its tenant, key and model (as requested, and the
 * plan's first choice; a fallback to another model is not counted again). Tokens per minute
 * are taken at the first candidate's estimate (input + max output), corrected when it ends.
 */
export function admitCall(deps: CallDeps, caller: Caller, requestedModel: string, candidates: readonly Candidate[]): Promise<Admission> {
  if (!deps.limiter || caller.tenant === '') return Promise.resolve(NONE);
  const first = candidates[0];
  const models = first && first.model.id !== requestedModel ? [requestedModel, first.model.id] : [requestedModel];
  const tokens = first ? first.estimate.inputTokens + first.estimate.maxOutputTokens : 0;
  return deps.limiter.admit({ tenant: caller.tenant, keyId: caller.keyId, models, tokens });
}
