import { describe, expect, it } from 'vitest';
import { matchRoute, type RouteRuleDef } from '../../src/routing/routes.js';
import { plan, type RoutingSnapshot } from '../../src/routing/planner.js';
import { NO_REQUIREMENTS, type PlannerProvider, type PlanRequest } from '../../src/routing/types.js';
import { SwitchyardError } from '../../src/errors.js';
import { catalogOf, model } from '../helpers/models.js';

const rule = (id: string, tenant: string, workerId: string, taskType: string, target = id): RouteRuleDef => ({
  id,
  tenant,
  workerId,
  taskType,
  target,
});
const rules = [
  rule('any', '', '', ''),
  rule('task', '', '', 'summarize'),
  rule('worker', '', 'w1', ''),
  rule('worker-task', '', 'w1', 'summarize'),
  rule('tenant', 'acme', '', ''),
  rule('tenant-worker', 'acme', 'w1', ''),
];

describe('matchRoute', () => {
  it.each([
    ['beta', 'w9', 'chat', 'any'],
    ['beta', 'w9', 'summarize', 'task'],
    ['beta', 'w1', 'chat', 'worker'],
    ['beta', 'w1', 'summarize', 'worker-task'],
    ['acme', 'w9', 'summarize', 'tenant'],
    ['acme', 'w1', 'summarize', 'tenant-worker'],
  ])('tenant %s, worker %s, task %s → %s (most specific wins)', (tenant, worker, task, expected) => {
    expect(matchRoute(rules, tenant, worker, task)?.id).toBe(expected);
  });

  it('no match without a catch-all; the first of equally specific rules wins', () => {
    expect(matchRoute(rules.slice(1), 'beta', 'w9', 'chat')).toBeUndefined();
    expect(matchRoute([rule('a', '', 'w', ''), rule('b', '', 'w', '')], 't', 'w', '')?.id).toBe('a');
  });
});

describe('plan with route rules', () => {
  const gpt = model('openai/gpt-4o');
  const mini = model('openai/gpt-4o-mini', {
    pricing: { input: 1n, output: 1n, cachedInput: 0n, cacheWriteInput: 0n, reasoning: 0n, tiers: [] },
  });
  const openai: PlannerProvider = { id: 'openai', vendors: ['openai'], hasCredentials: true, regions: [], local: false, disabled: false };
  const snap: RoutingSnapshot = {
    catalog: catalogOf([gpt, mini]),
    providersByVendor: new Map([['openai', [openai]]]),
    aliases: new Map([
      [
        'both',
        {
          name: 'both',
          strategy: 'priority' as const,
          targets: [
            { model: 'openai/gpt-4o', weight: 1 },
            { model: 'openai/gpt-4o-mini', weight: 1 },
          ],
        },
      ],
    ]),
    preferredVendors: ['openai'],
    routes: [rule('r-default', '', '', '', 'openai/gpt-4o'), { ...rule('r-sum', '', '', 'summarize', 'both'), strategy: 'cheapest' }],
    policyVersion: 'p',
  };
  const req: PlanRequest = {
    model: '',
    kind: 'chat',
    inputTokens: 10,
    tokenizer: 't',
    maxOutputTokens: 10,
    requirements: NO_REQUIREMENTS,
    sensitivity: 'unspecified',
    tenant: 'acme',
    workerId: 'w',
    taskType: 'summarize',
  };

  it('an empty model takes the matching rule, with its strategy', () => {
    const p = plan(req, snap);
    expect(p.routeRule).toBe('r-sum');
    expect(p.resolved).toBe('both');
    expect(p.strategy).toBe('cheapest');
    expect(p.candidates[0]!.model.id).toBe('openai/gpt-4o-mini');
  });

  it('a named model is kept whatever the rules say', () => {
    const p = plan({ ...req, model: 'openai/gpt-4o' }, snap);
    expect(p.resolved).toBe('openai/gpt-4o');
    expect(p.routeRule).toBeUndefined();
  });

  it('no matching rule → INVALID_ARGUMENT naming model', () => {
    try {
      plan(req, { ...snap, routes: [] });
      expect.fail('should throw');
    } catch (err) {
      expect((err as SwitchyardError).kind).toBe('invalid_argument');
      expect((err as SwitchyardError).violations[0]?.field).toBe('model');
    }
  });
});
