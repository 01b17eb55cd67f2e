// Which provider options a call may carry to its candidates: never a path the candidate's
// wire format owns (providers/options.ts), and only keys the effective policy allows for that
// provider. Checked once per call, after planning and before any upstream request, so a
// forbidden key is the caller's INVALID_ARGUMENT and never an upstream failure.
import type { FieldViolation } from '../errors.js';
import { forbiddenOptions, ownedPathsFor, type OwnedContext } from '../providers/options.js';
import type { OwnedPaths } from '../providers/types.js';
import { refusedProviderOption, type EffectivePolicy } from './policy.js';
import type { Candidate } from './types.js';

export function providerOptionViolations(
  options: Record<string, unknown>,
  call: OwnedContext,
  candidates: readonly Candidate[],
  ownedFor: (provider: string) => OwnedPaths | undefined,
  policy: EffectivePolicy,
): FieldViolation[] {
  const refused = new Map<string, string>();
  const seen = new Set<string>();
  for (const { provider } of candidates) {
    if (seen.has(provider)) continue;
    seen.add(provider);
    const owned = ownedFor(provider);
    for (const path of owned ? forbiddenOptions(options, ownedPathsFor(owned, call)) : []) {
      if (!refused.has(path))
        refused.set(
          path,
          `is set by Switchyard (the routed model, token limits, messages, tools or billing) and cannot be overridden on provider "${provider}"`,
        );
    }
    for (const key of Object.keys(options)) {
      const why = refused.has(key) ? undefined : refusedProviderOption(policy, provider, key);
      if (why) refused.set(key, why);
    }
  }
  return [...refused].map(([path, description]) => ({ field: `provider_options_json.${path}`, description }));
}
