// Tenant policy overlays: narrowing, the effective policy, planner enforcement, privacy labels.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { plan, type RoutingSnapshot } from '../../src/routing/planner.js';
import {
  buildPolicySnapshot,
  effectiveFor,
  effectivePolicy,
  EMPTY_RULES,
  intersect,
  matches,
  narrowingViolations,
  SENSITIVITY_LEVEL,
  type PolicyRules,
  type VersionedRules,
} from '../../src/routing/policy.js';
import { privacyFromLabels } from '../../src/routing/privacy.js';
import { NO_REQUIREMENTS, type Candidate, type PlannerProvider, type PlanRequest, type Sensitivity } from '../../src/routing/types.js';
import { rulesFromBody, rulesToBody } from '../../src/admin/policies.js';
import type { SwitchyardError } from '../../src/errors.js';
import { catalogOf, model } from '../helpers/models.js';

const rules = (over: Partial<PolicyRules> = {}): PolicyRules => ({ ...EMPTY_RULES, ...over });
const v = (version: number, over: Partial<PolicyRules> = {}): VersionedRules => ({ version, rules: rules(over) });
const FREE = { input: 0n, output: 0n, cachedInput: 0n, cacheWriteInput: 0n, reasoning: 0n, tiers: [] };

const gpt = model('openai/gpt-4o');
const mini = model('openai/gpt-4o-mini', { pricing: { ...FREE, input: 150_000n, output: 600_000n } });
const claude = model('anthropic/claude-sonnet', { pricing: { ...FREE, input: 3_000_000n, output: 15_000_000n }, regions: ['eu-west-1'] });
const llama = model('ollama/llama3', { local: true, pricing: FREE });
const MODELS = [gpt, mini, claude, llama];

function provider(id: string, over: Partial<PlannerProvider> = {}): PlannerProvider {
  return { id, vendors: [id], hasCredentials: true, regions: [], local: false, disabled: false, ...over };
}
const PROVIDERS = [provider('openai', { regions: ['us-east-1'] }), provider('anthropic'), provider('ollama', { local: true })];
const everything = {
  name: 'everything',
  strategy: 'priority' as const,
  targets: MODELS.map((m) => ({ model: m.id, weight: 1 })),
};

function snapshot(platform: VersionedRules, tenants: Record<string, VersionedRules> = {}, providers = PROVIDERS): RoutingSnapshot {
  const byVendor = new Map<string, PlannerProvider[]>();
  for (const p of providers) for (const vd of p.vendors) byVendor.set(vd, [...(byVendor.get(vd) ?? []), p]);
  const policy = buildPolicySnapshot(platform, new Map(Object.entries(tenants)));
  return {
    catalog: catalogOf(MODELS),
    providersByVendor: byVendor,
    aliases: new Map([['everything', everything]]),
    preferredVendors: [],
    routes: [],
    policyVersion: policy.platform.version,
    policy,
  };
}

const base: PlanRequest = {
  model: 'everything',
  tenant: 'acme',
  kind: 'chat',
  inputTokens: 1000,
  tokenizer: 'chars/4',
  maxOutputTokens: 500,
  requirements: NO_REQUIREMENTS,
  sensitivity: 'unspecified',
};

function errorOf(fn: () => unknown): SwitchyardError {
  try {
    fn();
  } catch (err) {
    return err as SwitchyardError;
  }
  throw new Error('expected an error');
}

describe('patterns', () => {
  it.each([
    ['openai/gpt-4o', 'openai/gpt-4o', true],
    ['openai/gpt-4o', 'openai/gpt-4o-mini', false],
    ['openai/*', 'openai/gpt-4o-mini', true],
    ['openai/gpt-4o*', 'openai/gpt-4o-mini', true],
    ['anthropic/*', 'openai/gpt-4o', false],
  ])('%s matches %s: %s', (p, id, want) => expect(matches(p, id)).toBe(want));

  it.each([
    [['openai/*'], ['openai/gpt-4o', 'anthropic/x'], ['openai/gpt-4o']],
    [['openai/gpt-4o*'], ['openai/*'], ['openai/gpt-4o*']],
    [['a', 'b'], ['b', 'c'], ['b']],
    [['a'], ['c'], []],
  ])('intersect(%j, %j) = %j', (a, b, want) => expect(intersect(a, b)).toEqual(want));
});

describe('narrowingViolations', () => {
  const platform = rules({
    allowedProviders: ['openai', 'anthropic'],
    deniedProviders: ['openrouter'],
    allowedModels: ['openai/*', 'anthropic/claude-sonnet'],
    deniedModels: ['openai/o1*'],
    allowedRegions: ['us-east-1', 'eu-west-1'],
    maxPricePerMillionTokens: 5_000_000n,
    maxOutputTokens: 4096,
    unsupportedParameters: 'warn',
    maxRemoteSensitivity: 'internal',
  });
  it.each<[string, Partial<PolicyRules>, string[]]>([
    ['an empty tenant policy inherits everything', {}, []],
    ['a subset of every allow list', { allowedProviders: ['openai'], allowedModels: ['openai/gpt-4o'], allowedRegions: ['eu-west-1'] }, []],
    ['a narrower prefix', { allowedModels: ['openai/gpt-4o*'] }, []],
    ['more denials', { deniedProviders: ['anthropic'], deniedModels: ['openai/gpt-4o'] }, []],
    [
      'lower ceilings and stricter settings',
      { maxPricePerMillionTokens: 1n, maxOutputTokens: 10, unsupportedParameters: 'error', maxRemoteSensitivity: 'public' },
      [],
    ],
    ['a provider outside the platform allow list', { allowedProviders: ['openai', 'gemini'] }, ['policy.allowed_providers[1]']],
    ['a provider the platform denies', { allowedProviders: ['openrouter'] }, ['policy.allowed_providers[0]']],
    ['a wider model prefix', { allowedModels: ['anthropic/*'] }, ['policy.allowed_models[0]']],
    ['a model the platform denies', { allowedModels: ['openai/o1-mini'] }, ['policy.allowed_models[0]']],
    ['another region', { allowedRegions: ['ap-south-1'] }, ['policy.allowed_regions[0]']],
    ['a higher price ceiling', { maxPricePerMillionTokens: 5_000_001n }, ['policy.max_price_per_million_tokens']],
    ['a higher output ceiling', { maxOutputTokens: 8192 }, ['policy.max_output_tokens']],
    ['laxer unsupported parameters', { unsupportedParameters: 'ignore' }, ['policy.unsupported_parameters']],
    ['a higher remote sensitivity', { maxRemoteSensitivity: 'confidential' }, ['policy.max_remote_sensitivity']],
    [
      'several at once',
      { allowedProviders: ['gemini'], maxOutputTokens: 100_000, maxRemoteSensitivity: 'restricted' },
      ['policy.allowed_providers[0]', 'policy.max_output_tokens', 'policy.max_remote_sensitivity'],
    ],
  ])('%s', (_name, tenant, fields) => {
    expect(narrowingViolations(platform, rules(tenant)).map((x) => x.field)).toEqual(fields);
  });

  it('against an empty platform policy nothing widens', () => {
    expect(narrowingViolations(EMPTY_RULES, rules({ allowedProviders: ['x'], maxOutputTokens: 5 }))).toEqual([]);
  });
});

describe('effectivePolicy', () => {
  it('intersects allow lists, unions deny lists, keeps the lower ceiling and the stricter setting', () => {
    const e = effectivePolicy(
      v(3, {
        allowedProviders: ['a', 'b'],
        deniedModels: ['x/1'],
        maxOutputTokens: 100,
        maxPricePerMillionTokens: 0n,
        maxRemoteSensitivity: 'confidential',
        unsupportedParameters: 'warn',
      }),
      {
        id: 'acme',
        policy: v(2, {
          allowedProviders: ['b', 'c'],
          deniedModels: ['x/2'],
          maxOutputTokens: 500,
          maxPricePerMillionTokens: 7n,
          maxRemoteSensitivity: 'internal',
          unsupportedParameters: 'error',
        }),
      },
    );
    expect(e.version).toBe('platform:3+tenant:acme:2');
    expect(e.allowedProviders).toEqual(['b']);
    expect(e.deniedModels).toEqual(['x/1', 'x/2']);
    expect(e.maxOutputTokens).toBe(100);
    expect(e.maxPricePerMillionTokens).toBe(7n);
    expect(e.maxRemoteSensitivity).toBe('internal');
    expect(e.unsupportedParameters).toBe('error');
  });

  it('disjoint allow lists allow nothing (not anything)', () => {
    expect(
      effectivePolicy(v(1, { allowedProviders: ['a'] }), { id: 't', policy: v(1, { allowedProviders: ['b'] }) }).allowedProviders,
    ).toEqual([]);
  });

  it('effectiveFor: a tenant without a policy gets the platform policy and version', () => {
    const snap = snapshot(v(4, { deniedProviders: ['anthropic'] }), { acme: v(2) });
    expect(effectiveFor(snap, 'acme').version).toBe('platform:4+tenant:acme:2');
    expect(effectiveFor(snap, 'other').version).toBe('platform:4');
    expect(effectiveFor(snap, undefined).version).toBe('platform:4');
  });

  it('stored bodies round-trip', () => {
    const r = rules({
      allowedModels: ['openai/*'],
      maxPricePerMillionTokens: 12n,
      maxOutputTokens: 9,
      maxRemoteSensitivity: 'internal',
      unsupportedParameters: 'error',
    });
    expect(rulesFromBody(JSON.parse(JSON.stringify(rulesToBody(r, 'admin'))))).toEqual(r);
    expect(rulesFromBody({ deleted: true })).toEqual(EMPTY_RULES);
    expect(rulesFromBody({ max_output_tokens: 'lots', allowed_providers: [1, 'a'] })).toEqual(rules({ allowedProviders: ['a'] }));
  });
});

describe('planner enforcement', () => {
  const ids = (snap: RoutingSnapshot, req: Partial<PlanRequest> = {}) =>
    plan({ ...base, ...req }, snap).candidates.map((c) => `${c.provider}:${c.model.id}`);
  const exclusion = (snap: RoutingSnapshot, modelId: string, req: Partial<PlanRequest> = {}) =>
    plan({ ...base, ...req }, snap).excluded.find((e) => e.model === modelId);

  it('no policy: every endpoint', () => {
    expect(ids(snapshot(v(0)))).toEqual([
      'openai:openai/gpt-4o',
      'openai:openai/gpt-4o-mini',
      'anthropic:anthropic/claude-sonnet',
      'ollama:ollama/llama3',
    ]);
  });

  it.each<[string, VersionedRules, Record<string, VersionedRules>, string, string, RegExp]>([
    [
      'tenant allowed_providers',
      v(1),
      { acme: v(2, { allowedProviders: ['openai'] }) },
      'anthropic/claude-sonnet',
      'provider_not_allowed',
      /allowed_providers of the tenant "acme" policy v2/,
    ],
    [
      'platform allowed_providers',
      v(5, { allowedProviders: ['openai', 'ollama'] }),
      { acme: v(2, { allowedProviders: ['openai'] }) },
      'anthropic/claude-sonnet',
      'provider_not_allowed',
      /platform policy v5/,
    ],
    [
      'tenant denied_providers',
      v(1),
      { acme: v(2, { deniedProviders: ['ollama'] }) },
      'ollama/llama3',
      'provider_denied',
      /denied_providers of the tenant "acme" policy v2/,
    ],
    [
      'platform denied_providers',
      v(7, { deniedProviders: ['ollama'] }),
      {},
      'ollama/llama3',
      'provider_denied',
      /denied_providers of the platform policy v7/,
    ],
    [
      'tenant allowed_models',
      v(1),
      { acme: v(2, { allowedModels: ['openai/*'] }) },
      'ollama/llama3',
      'policy',
      /allowed_models of the tenant "acme" policy v2/,
    ],
    [
      'tenant denied_models',
      v(1),
      { acme: v(2, { deniedModels: ['openai/gpt-4o-*'] }) },
      'openai/gpt-4o-mini',
      'policy',
      /"openai\/gpt-4o-\*" in denied_models of the tenant/,
    ],
    [
      'platform allowed_regions',
      v(3, { allowedRegions: ['eu-west-1'] }),
      {},
      'openai/gpt-4o',
      'region',
      /serves \[us-east-1\]; allowed_regions of the platform policy v3/,
    ],
    [
      'platform price ceiling',
      v(1, { maxPricePerMillionTokens: 1_000_000n }),
      {},
      'anthropic/claude-sonnet',
      'price',
      /max_price_per_million_tokens of the platform policy v1/,
    ],
  ])('%s', (_name, platform, tenants, modelId, reason, detail) => {
    const snap = snapshot(platform, tenants);
    const e = exclusion(snap, modelId);
    expect(e?.reason).toBe(reason);
    expect(e?.detail).toMatch(detail);
  });

  it('a tenant policy changes the plan for that tenant only', () => {
    const snap = snapshot(v(1), { acme: v(2, { allowedProviders: ['ollama'] }) });
    expect(ids(snap)).toEqual(['ollama:ollama/llama3']);
    expect(ids(snap, { tenant: 'globex' })).toHaveLength(4);
  });

  it('an old tenant policy wider than a tightened platform policy is clamped', () => {
    // The tenant allowed openai and anthropic; the platform later allowed only openai.
    const snap = snapshot(v(9, { allowedProviders: ['openai'] }), { acme: v(2, { allowedProviders: ['openai', 'anthropic'] }) });
    expect(ids(snap)).toEqual(['openai:openai/gpt-4o', 'openai:openai/gpt-4o-mini']);
  });

  it('a request above the tenant max_output_tokens is refused, naming the rule', () => {
    const err = errorOf(() => plan(base, snapshot(v(1), { acme: v(2, { maxOutputTokens: 100 }) })));
    expect(err.message).toMatch(/max_output \(request asks 500 tokens; max_output_tokens of the tenant "acme" policy v2 is 100\)/);
  });

  it('a policy output ceiling caps an uncapped request’s budget', () => {
    const p = plan({ ...base, maxOutputTokens: 0, model: 'openai/gpt-4o' }, snapshot(v(1, { maxOutputTokens: 256 })));
    expect(p.estimate.maxOutputTokens).toBe(256);
  });

  it('nothing left → FAILED_PRECONDITION naming the policy', () => {
    const err = errorOf(() =>
      plan(base, snapshot(v(1, { allowedProviders: ['openai'] }), { acme: v(2, { deniedProviders: ['openai'] }) })),
    );
    expect(err.kind).toBe('failed_precondition');
    expect(err.message).toMatch(/tenant "acme" policy v2/);
  });

  describe('sensitivity', () => {
    const cleared = [provider('openai', { maxSensitivity: 'restricted' }), provider('anthropic'), provider('ollama', { local: true })];
    it.each<[string, Partial<PlanRequest>, VersionedRules, PlannerProvider[], string[]]>([
      ['restricted → local only by default', { sensitivity: 'restricted' }, v(1), PROVIDERS, ['ollama']],
      ['restricted → local or cleared', { sensitivity: 'restricted' }, v(1), cleared, ['openai', 'openai', 'ollama']],
      [
        'max_remote_sensitivity applies to cleared providers too',
        { sensitivity: 'restricted' },
        v(1, { maxRemoteSensitivity: 'confidential' }),
        cleared,
        ['ollama'],
      ],
      [
        'confidential under a ceiling of internal → local only',
        { sensitivity: 'confidential' },
        v(1, { maxRemoteSensitivity: 'internal' }),
        PROVIDERS,
        ['ollama'],
      ],
      [
        'internal under a ceiling of internal → everywhere',
        { sensitivity: 'internal' },
        v(1, { maxRemoteSensitivity: 'internal' }),
        PROVIDERS,
        ['openai', 'openai', 'anthropic', 'ollama'],
      ],
      ['local_required → local only', { localRequired: true }, v(1), cleared, ['ollama']],
    ])('%s', (_name, req, platform, providers, want) => {
      expect(plan({ ...base, ...req }, snapshot(platform, {}, providers)).candidates.map((c) => c.provider)).toEqual(want);
    });
  });
});

describe('privacy labels', () => {
  it.each<[string, Record<string, string>, Sensitivity, Partial<ReturnType<typeof privacyFromLabels>>]>([
    ['no labels', {}, 'internal', { sensitivity: 'internal', localRequired: false, capabilities: [] }],
    ['a sensitivity label raises', { sensitivity: 'restricted' }, 'public', { sensitivity: 'restricted' }],
    ['a sensitivity label never lowers', { sensitivity: 'public' }, 'confidential', { sensitivity: 'confidential' }],
    [
      'findings without a sensitivity label → at least confidential',
      { findings: 'pii.email' },
      'unspecified',
      { sensitivity: 'confidential' },
    ],
    [
      'findings with a sensitivity label: the label decides',
      { findings: 'pii.email', sensitivity: 'internal' },
      'unspecified',
      { sensitivity: 'internal' },
    ],
    ['local_required', { local_required: 'true' }, 'unspecified', { localRequired: true }],
    ['modality', { modality: 'text,image, audio' }, 'unspecified', { capabilities: ['vision', 'audio_input'] }],
  ])('%s', (_name, labels, stated, want) => expect(privacyFromLabels(labels, stated)).toMatchObject(want));

  it('malformed labels are INVALID_ARGUMENT naming each label', () => {
    const err = errorOf(() => privacyFromLabels({ sensitivity: 'secret', local_required: 'yes', modality: 'smell' }, 'public'));
    expect(err.kind).toBe('invalid_argument');
    expect(err.violations.map((x) => x.field)).toEqual([
      'context.labels[sensitivity]',
      'context.labels[local_required]',
      'context.labels[modality]',
    ]);
  });
});

describe('properties', () => {
  const PROVIDER_IDS = ['openai', 'anthropic', 'ollama', 'gemini'];
  const MODEL_PATTERNS = [...MODELS.map((m) => m.id), 'openai/*', 'openai/gpt-4o*', 'anthropic/*'];
  const REGIONS = ['us-east-1', 'eu-west-1', 'ap-south-1'];
  const SENS = ['public', 'internal', 'confidential', 'restricted'] as const;
  const arbRules: fc.Arbitrary<PolicyRules> = fc.record({
    allowedProviders: fc.subarray(PROVIDER_IDS),
    deniedProviders: fc.subarray(PROVIDER_IDS),
    allowedModels: fc.subarray(MODEL_PATTERNS),
    deniedModels: fc.subarray(MODEL_PATTERNS),
    allowedRegions: fc.subarray(REGIONS),
    maxPricePerMillionTokens: fc.oneof(fc.constant(0n), fc.bigInt({ min: 1n, max: 30_000_000n })),
    maxOutputTokens: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 5000 })),
    unsupportedParameters: fc.option(fc.constantFrom('warn' as const, 'error' as const, 'ignore' as const), { nil: undefined }),
    maxRemoteSensitivity: fc.option(fc.constantFrom(...SENS), { nil: undefined }),
  });
  const ALL_IDS = [...PROVIDER_IDS, 'other'];
  const ALL_MODELS = [...MODELS.map((m) => m.id), 'openai/gpt-4o-2024', 'anthropic/claude-x', 'other/model'];

  it('no tenant policy, after effectivePolicy, permits anything the platform policy forbids', () => {
    fc.assert(
      fc.property(arbRules, arbRules, (p, t) => {
        const e = effectivePolicy({ version: 1, rules: p }, { id: 'acme', policy: { version: 1, rules: t } });
        const allows = (list: readonly string[] | undefined, id: string) => !list || list.some((x) => matches(x, id));
        for (const id of ALL_IDS) {
          if (allows(e.allowedProviders, id)) expect(allows(p.allowedProviders.length ? p.allowedProviders : undefined, id)).toBe(true);
          if (p.deniedProviders.includes(id)) expect(e.deniedProviders.has(id)).toBe(true);
        }
        for (const id of ALL_MODELS) {
          if (allows(e.allowedModels, id)) expect(allows(p.allowedModels.length ? p.allowedModels : undefined, id)).toBe(true);
          if (p.deniedModels.some((d) => matches(d, id))) expect(e.deniedModels.some((d) => matches(d, id))).toBe(true);
        }
        for (const g of REGIONS)
          if (allows(e.allowedRegions, g)) expect(allows(p.allowedRegions.length ? p.allowedRegions : undefined, g)).toBe(true);
        if (p.maxPricePerMillionTokens > 0n)
          expect(e.maxPricePerMillionTokens > 0n && e.maxPricePerMillionTokens <= p.maxPricePerMillionTokens).toBe(true);
        if (p.maxOutputTokens > 0) expect(e.maxOutputTokens > 0 && e.maxOutputTokens <= p.maxOutputTokens).toBe(true);
        if (p.maxRemoteSensitivity)
          expect(SENSITIVITY_LEVEL[e.maxRemoteSensitivity!]).toBeLessThanOrEqual(SENSITIVITY_LEVEL[p.maxRemoteSensitivity]);
        // And the tenant's own rules hold too: the effective policy is at least as narrow as both.
        for (const id of ALL_IDS)
          if (allows(e.allowedProviders, id)) expect(allows(t.allowedProviders.length ? t.allowedProviders : undefined, id)).toBe(true);
        // A tenant policy the write check accepts never needed clamping on ceilings.
        if (narrowingViolations(p, t).length === 0 && t.maxOutputTokens > 0) expect(e.maxOutputTokens).toBe(t.maxOutputTokens);
      }),
      { numRuns: 500 },
    );
  });

  it('the planner never returns a candidate the effective policy forbids', () => {
    const arbReq = fc.record({
      sensitivity: fc.constantFrom<Sensitivity>('unspecified', ...SENS),
      maxOutputTokens: fc.integer({ min: 0, max: 5000 }),
      localRequired: fc.boolean(),
    });
    fc.assert(
      fc.property(arbRules, arbRules, arbReq, (p, t, r) => {
        const snap = snapshot({ version: 1, rules: p }, { acme: { version: 1, rules: t } });
        const e = effectiveFor(snap, 'acme');
        let candidates: Candidate[];
        try {
          candidates = plan({ ...base, ...r }, snap).candidates;
        } catch (err) {
          expect((err as SwitchyardError).kind).toBe('failed_precondition');
          return;
        }
        for (const c of candidates) {
          const prov = PROVIDERS.find((x) => x.id === c.provider)!;
          const local = prov.local || c.model.local;
          if (e.allowedProviders) expect(e.allowedProviders).toContain(c.provider);
          expect(e.deniedProviders.has(c.provider)).toBe(false);
          if (e.allowedModels) expect(e.allowedModels.some((x) => matches(x, c.model.id))).toBe(true);
          expect(e.deniedModels.some((x) => matches(x, c.model.id))).toBe(false);
          if (e.allowedRegions) {
            const regions = prov.regions.length > 0 ? prov.regions : c.model.regions;
            expect(regions.some((g) => e.allowedRegions!.includes(g))).toBe(true);
          }
          if (e.maxOutputTokens > 0) expect(r.maxOutputTokens).toBeLessThanOrEqual(e.maxOutputTokens);
          if (e.maxOutputTokens > 0) expect(c.estimate.maxOutputTokens).toBeLessThanOrEqual(e.maxOutputTokens);
          if (r.localRequired) expect(local).toBe(true);
          if (!local && e.maxRemoteSensitivity)
            expect(SENSITIVITY_LEVEL[r.sensitivity]).toBeLessThanOrEqual(SENSITIVITY_LEVEL[e.maxRemoteSensitivity]);
          if (!local) expect(r.sensitivity).not.toBe('restricted');
          if (e.maxPricePerMillionTokens > 0n && !local) {
            const tokens = BigInt(base.inputTokens + c.estimate.maxOutputTokens);
            expect(c.estimate.maxCost / tokens <= e.maxPricePerMillionTokens).toBe(true);
          }
        }
      }),
      { numRuns: 500 },
    );
  });
});
