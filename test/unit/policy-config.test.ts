// Policies in the config file: rules parsed into the platform and tenant policies, a provider's
// sensitivity clearance, and a tenant policy that widens the platform's refused at start-up
// (loadConfig parses; routing/policy-config.ts checks, as the commands do before starting).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/load.js';
import { assertConfigPolicies } from '../../src/routing/policy-config.js';

function load(text: string) {
  const path = join(mkdtempSync(join(tmpdir(), 'sy-policy-config-')), 'switchyard.yaml');
  writeFileSync(path, text);
  const config = loadConfig({ config: path }, {});
  assertConfigPolicies(config);
  return config;
}

const YAML = `
providers:
  - { id: openai, kind: openai, max_sensitivity: internal }
policy:
  allowed_providers: [openai, ollama]
  denied_models: ["openai/o1*"]
  max_price_per_million_tokens: "5000000"
  max_output_tokens: 4096
  max_remote_sensitivity: confidential
tenants:
  - id: acme
    policy: { allowed_providers: [openai], max_output_tokens: 1024, unsupported_parameters: error }
`;

describe('policy config', () => {
  it('parses the platform and tenant rules and provider clearance', () => {
    const c = load(YAML);
    expect(c.policies.platform).toMatchObject({
      allowedProviders: ['openai', 'ollama'],
      deniedModels: ['openai/o1*'],
      maxPricePerMillionTokens: 5_000_000n,
      maxOutputTokens: 4096,
      maxRemoteSensitivity: 'confidential',
    });
    expect(c.policies.tenants.acme).toMatchObject({ allowedProviders: ['openai'], maxOutputTokens: 1024, unsupportedParameters: 'error' });
    expect(c.providers[0]?.maxSensitivity).toBe('internal');
    expect(load('tenants: [{ id: a }]\n').policies).toEqual({ tenants: {} });
  });

  it('a tenant policy that widens the platform policy is a config error naming the rule', () => {
    const widening = YAML.replace(
      'allowed_providers: [openai], max_output_tokens: 1024',
      'allowed_providers: [gemini], max_output_tokens: 9000',
    );
    expect(() => load(widening)).toThrow(ConfigError);
    expect(() => load(widening)).toThrow(
      /tenants\[0\]\.policy\.allowed_providers\[0\]: "gemini" widens[\s\S]*tenants\[0\]\.policy\.max_output_tokens/,
    );
  });

  it('allowed_provider_options: parsed per provider; an owned key or a widening tenant list is a config error', () => {
    const yaml = `policy: { allowed_provider_options: { "*": [user], openai: [user, metadata] } }
tenants:
  - { id: acme, policy: { allowed_provider_options: { openai: [metadata] } } }
`;
    const c = load(yaml);
    expect(c.policies.platform?.allowedProviderOptions).toEqual({ '*': ['user'], openai: ['user', 'metadata'] });
    expect(c.policies.tenants.acme?.allowedProviderOptions).toEqual({ openai: ['metadata'] });
    expect(() => load(yaml.replace('openai: [metadata]', 'gemini: [metadata]'))).toThrow(
      /tenants\[0\]\.policy\.allowed_provider_options\.gemini\[0\]: "metadata" widens/,
    );
    expect(() => load('policy: { allowed_provider_options: { openai: [user, Max_Tokens] } }\n')).toThrow(
      /allowed_provider_options\.openai\[1\]: is owned by Switchyard/,
    );
  });

  it('a bad model pattern names the key', () => {
    expect(() => load('policy: { allowed_models: ["a*b"] }\n')).toThrow(/policy\.allowed_models\[0\]/);
  });
});
