import { describe, expect, it } from 'vitest';
import { plan, type RoutingSnapshot } from '../../src/routing/planner.js';
import { NO_REQUIREMENTS, type Exclusion, type PlannerProvider, type PlanRequest } from '../../src/routing/types.js';
import { SwitchyardError } from '../../src/errors.js';
import { catalogOf, model } from '../helpers/models.js';

const gpt = model('openai/gpt-4o');
const mini = model('openai/gpt-4o-mini', {
  pricing: { input: 150_000n, output: 600_000n, cachedInput: 0n, cacheWriteInput: 0n, reasoning: 0n, tiers: [] },
});
const claude = model('anthropic/claude-sonnet', {
  contextWindow: 200_000,
  maxOutputTokens: 8_192,
  capabilities: ['tools', 'streaming', 'vision'],
  pricing: { input: 3_000_000n, output: 15_000_000n, cachedInput: 0n, cacheWriteInput: 0n, reasoning: 0n, tiers: [] },
  regions: ['eu-west-1'],
});
const llama = model('ollama/llama3', {
  local: true,
  pricing: { input: 0n, output: 0n, cachedInput: 0n, cacheWriteInput: 0n, reasoning: 0n, tiers: [] },
});
const embed = model('openai/text-embedding-3-small', { kind: 'embedding', capabilities: ['embeddings'] });

function provider(id: string, over: Partial<PlannerProvider> = {}): PlannerProvider {
  return { id, vendors: [id], hasCredentials: true, regions: [], local: false, disabled: false, ...over };
}

function snapshot(providers: PlannerProvider[], aliases: RoutingSnapshot['aliases'] = new Map()): RoutingSnapshot {
  const byVendor = new Map<string, PlannerProvider[]>();
  for (const p of providers) for (const v of p.vendors) byVendor.set(v, [...(byVendor.get(v) ?? []), p]);
  return {
    catalog: catalogOf([gpt, mini, claude, llama, embed]),
    providersByVendor: byVendor,
    aliases,
    preferredVendors: [],
    routes: [],
    policyVersion: 'p1',
  };
}

const base: PlanRequest = {
  model: 'openai/gpt-4o',
  kind: 'chat',
  inputTokens: 1000,
  tokenizer: 'chars/4',
  maxOutputTokens: 500,
  requirements: NO_REQUIREMENTS,
  sensitivity: 'unspecified',
};

const all = snapshot([provider('openai'), provider('anthropic'), provider('ollama', { local: true })]);
const alias = new Map([
  [
    'smart',
    {
      name: 'smart',
      strategy: 'priority' as const,
      targets: [
        { model: 'openai/gpt-4o', weight: 1 },
        { model: 'anthropic/claude-sonnet', weight: 1 },
        { model: 'openai/gpt-4o-mini', weight: 1 },
      ],
    },
  ],
]);
const withAlias = snapshot([provider('openai'), provider('anthropic'), provider('ollama', { local: true })], alias);

const circuits = (entries: [string, string][]) => ({ health: { endpoints: new Map(), circuits: new Map(entries) }, seed: 0 });

function errorOf(fn: () => unknown): SwitchyardError {
  try {
    fn();
  } catch (err) {
    return err as SwitchyardError;
  }
  throw new Error('expected an error');
}

describe('plan', () => {
  it('resolves a model id to its provider with a cost estimate', () => {
    const p = plan(base, all);
    expect(p.resolved).toBe('openai/gpt-4o');
    expect(p.candidates.map((c) => c.provider)).toEqual(['openai']);
    // 1000 × 2.5 µUSD + 500 × 10 µUSD = 7,500,000,000 pico-USD
    expect(p.estimate.inputCost).toBe(2_500_000_000n);
    expect(p.estimate.maxCost).toBe(7_500_000_000n);
  });

  it('resolves a bare upstream name', () => {
    expect(plan({ ...base, model: 'gpt-4o-mini' }, all).resolved).toBe('openai/gpt-4o-mini');
  });

  it('unknown model → NOT_FOUND', () => {
    const err = errorOf(() => plan({ ...base, model: 'nope' }, all));
    expect(err.kind).toBe('not_found');
    expect(err.reason).toBe('MODEL_NOT_FOUND');
  });

  it('alias keeps priority order; cheapest reorders by this request’s cost', () => {
    expect(plan({ ...base, model: 'smart' }, withAlias).candidates.map((c) => c.model.id)).toEqual([
      'openai/gpt-4o',
      'anthropic/claude-sonnet',
      'openai/gpt-4o-mini',
    ]);
    expect(plan({ ...base, model: 'smart', strategy: 'cheapest' }, withAlias).candidates.map((c) => c.model.id)).toEqual([
      'openai/gpt-4o-mini',
      'openai/gpt-4o',
      'anthropic/claude-sonnet',
    ]);
  });

  it('pinned keeps exactly one candidate', () => {
    expect(plan({ ...base, model: 'smart', strategy: 'pinned' }, withAlias).candidates).toHaveLength(1);
  });

  it('a strategy the planner does not know answers UNIMPLEMENTED', () => {
    expect(errorOf(() => plan({ ...base, strategy: 'telepathic' as PlanRequest['strategy'] }, all)).kind).toBe('unimplemented');
  });

  const cases: Array<[string, Partial<PlanRequest>, RoutingSnapshot, string]> = [
    ['capability', { requirements: { ...NO_REQUIREMENTS, capabilities: ['vision'] } }, withAlias, 'missing_capability'],
    ['context window', { inputTokens: 127_000, maxOutputTokens: 2_000 }, withAlias, 'context_window'],
    ['min context', { requirements: { ...NO_REQUIREMENTS, minContextTokens: 150_000 } }, withAlias, 'context_window'],
    ['max output', { maxOutputTokens: 10_000 }, withAlias, 'max_output'],
    ['allow list', { requirements: { ...NO_REQUIREMENTS, allowedProviders: ['anthropic'] } }, withAlias, 'provider_not_allowed'],
    ['deny list', { requirements: { ...NO_REQUIREMENTS, deniedProviders: ['openai'] } }, withAlias, 'provider_denied'],
    ['region', { requirements: { ...NO_REQUIREMENTS, allowedRegions: ['eu-west-1'] } }, withAlias, 'region'],
    ['price', { requirements: { ...NO_REQUIREMENTS, maxPricePerMillionTokens: 3_000_000n } }, withAlias, 'price'],
    ['wrong kind', { kind: 'embedding' }, withAlias, 'wrong_kind'],
    ['sensitivity', { sensitivity: 'restricted' }, withAlias, 'sensitivity'],
  ];
  it.each(cases)('excludes by %s with a typed reason', (_name, over, snap, reason) => {
    let excluded: Exclusion[];
    try {
      excluded = plan({ ...base, model: 'smart', ...over }, snap).excluded;
    } catch (err) {
      expect((err as SwitchyardError).kind).toBe('failed_precondition');
      expect((err as SwitchyardError).metadata.reasons).toContain(reason);
      return;
    }
    expect(excluded.map((e) => e.reason)).toContain(reason);
    for (const e of excluded) expect(e.detail).not.toBe('');
  });

  it('never returns an excluded candidate', () => {
    const p = plan({ ...base, model: 'smart', requirements: { ...NO_REQUIREMENTS, capabilities: ['vision'] } }, withAlias);
    expect(p.candidates.map((c) => c.model.id)).toEqual(['anthropic/claude-sonnet']);
    expect(p.excluded.map((e) => e.model).sort()).toEqual(['openai/gpt-4o', 'openai/gpt-4o-mini']);
  });

  it('nothing qualifies → FAILED_PRECONDITION carrying the reasons', () => {
    const err = errorOf(() => plan({ ...base, requirements: { ...NO_REQUIREMENTS, capabilities: ['vision'] } }, all));
    expect(err.kind).toBe('failed_precondition');
    expect(err.message).toContain('missing_capability');
    expect(err.metadata.reasons).toBe('missing_capability');
  });

  it('a provider without credentials or a vendor without a provider is excluded with a reason', () => {
    const snap = snapshot([provider('openai', { hasCredentials: false })]);
    const err = errorOf(() => plan(base, snap));
    expect(err.metadata.reasons).toBe('no_credentials');
    const none = errorOf(() => plan({ ...base, model: 'anthropic/claude-sonnet' }, snap));
    expect(none.metadata.reasons).toBe('no_provider');
  });

  it('restricted data goes to local endpoints only', () => {
    const p = plan({ ...base, model: 'ollama/llama3', sensitivity: 'restricted' }, all);
    expect(p.candidates[0]!.provider).toBe('ollama');
  });

  it('excludes an endpoint whose circuit is open, keeps a half-open one', () => {
    const p = plan({ ...base, model: 'smart' }, withAlias, circuits([['openai', 'open']]));
    expect(p.candidates.map((c) => c.provider)).toEqual(['anthropic']);
    expect(p.excluded.filter((e) => e.reason === 'circuit_open')).toHaveLength(2);
    expect(plan({ ...base, model: 'smart' }, withAlias, circuits([['openai', 'half_open']])).candidates[0]!.provider).toBe('openai');
  });

  it('is deterministic: equal inputs give equal plans', () => {
    const a = plan({ ...base, model: 'smart', strategy: 'cheapest' }, withAlias);
    const b = plan({ ...base, model: 'smart', strategy: 'cheapest' }, withAlias);
    expect(b).toEqual(a);
  });
});
