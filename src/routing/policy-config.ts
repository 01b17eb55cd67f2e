// The config file's policies checked against routing's policy rules, once at start-up: a
// tenant policy may only narrow the platform's (policy.ts), and no policy may allow a provider
// option key Switchyard always owns (providers/options.ts). config/ sits below routing, so it
// parses the policies and whatever starts from a config file calls this before using them.
import { ConfigError, type ResolvedConfig } from '../config/load.js';
import type { FieldViolation } from '../errors.js';
import { ALWAYS_OWNED_KEYS, canonicalKey } from '../providers/options.js';
import { narrowingViolations, type PolicyRules } from './policy.js';

/** Each violation names its key in the file, e.g. `tenants[0].policy.allowed_providers[1]`. */
export function configPolicyViolations(config: Pick<ResolvedConfig, 'policies' | 'tenants'>): FieldViolation[] {
  const { platform, tenants } = config.policies;
  const out = platform ? ownedOptionViolations(platform, 'policy') : [];
  config.tenants.forEach((t, i) => {
    const rules = tenants[t.id];
    if (!rules) return;
    const prefix = `tenants[${i}].policy`;
    out.push(...ownedOptionViolations(rules, prefix));
    if (platform) out.push(...narrowingViolations(platform, rules, prefix));
  });
  return out;
}

/** Throws a ConfigError listing every violation, the way loadConfig reports a bad key. */
export function assertConfigPolicies(config: Pick<ResolvedConfig, 'policies' | 'tenants' | 'configPath'>): void {
  const violations = configPolicyViolations(config);
  if (violations.length === 0) return;
  const lines = violations.map((v) => `  ${v.field}: ${v.description}`);
  throw new ConfigError(`${config.configPath ?? 'config'}: invalid config\n${lines.join('\n')}`);
}

function ownedOptionViolations(rules: PolicyRules, prefix: string): FieldViolation[] {
  const out: FieldViolation[] = [];
  for (const [provider, keys] of Object.entries(rules.allowedProviderOptions ?? {})) {
    keys.forEach((key, i) => {
      if (ALWAYS_OWNED_KEYS.has(canonicalKey(key))) {
        out.push({
          field: `${prefix}.allowed_provider_options.${provider}[${i}]`,
          description: 'is owned by Switchyard and can never be allowed',
        });
      }
    });
  }
  return out;
}
