import { describe, expect, it } from 'vitest';
import { inputsOf, planFromRecord, planRecord, replay, requestFrom, storedPlan } from '../../src/routing/decision.js';
import { NO_ENV, plan, type RoutingSnapshot } from '../../src/routing/planner.js';
import { NO_REQUIREMENTS, type PlanRequest, type PlannerProvider } from '../../src/routing/types.js';
import { catalogOf, model } from '../helpers/models.js';

const a = model('openai/a');
const b = model('openai/b', { pricing: { input: 1n, output: 1n, cachedInput: 0n, cacheWriteInput: 0n, reasoning: 0n, tiers: [] } });
const openai: PlannerProvider = { id: 'openai', vendors: ['openai'], hasCredentials: true, regions: [], local: false, disabled: false };
const snap = (entries = [a, b], version = 'v1'): RoutingSnapshot => ({
  catalog: { ...catalogOf(entries), version },
  providersByVendor: new Map([['openai', [openai]]]),
  aliases: new Map([
    [
      'both',
      {
        name: 'both',
        strategy: 'cheapest' as const,
        targets: [
          { model: 'openai/a', weight: 1 },
          { model: 'openai/b', weight: 1 },
        ],
      },
    ],
  ]),
  preferredVendors: ['openai'],
  routes: [],
  policyVersion: 'p1',
});
const req: PlanRequest = {
  model: 'both',
  kind: 'chat',
  inputTokens: 10,
  tokenizer: 'chars/4',
  maxOutputTokens: 5,
  requirements: { ...NO_REQUIREMENTS, maxPricePerMillionTokens: 123456789012345678901n },
  sensitivity: 'unspecified',
};

describe('decision records', () => {
  it('inputs survive JSON, bigints included', () => {
    const stored = JSON.parse(
      JSON.stringify(inputsOf(req, { health: { endpoints: new Map(), circuits: new Map([['x', 'open']]) }, seed: 7 })),
    );
    expect(requestFrom(stored)).toEqual(req);
    expect(stored.circuits).toEqual([['x', 'open']]);
  });

  it('the compact plan record reads back as the full stored plan, and stores only set requirements', () => {
    const p = plan({ ...req, requirements: NO_REQUIREMENTS, model: 'openai/a' }, snap());
    const record = JSON.parse(JSON.stringify(planRecord(p)));
    expect(planFromRecord(record)).toEqual(storedPlan(p));
    // Records written before the compact format still read.
    expect(planFromRecord(JSON.parse(JSON.stringify(storedPlan(p))))).toEqual(storedPlan(p));
    const inputs = JSON.parse(JSON.stringify(inputsOf({ ...req, requirements: NO_REQUIREMENTS }, NO_ENV)));
    expect(inputs.request.requirements).toBeUndefined();
    expect(inputs.circuits).toBeUndefined();
    expect(requestFrom(inputs)).toEqual({ ...req, requirements: NO_REQUIREMENTS });
    expect(JSON.stringify(record).length).toBeLessThan(JSON.stringify(storedPlan(p)).length);
  });

  it('replays identically on the same state', () => {
    const s = snap();
    const stored = {
      inputs: JSON.parse(JSON.stringify(inputsOf(req, NO_ENV))),
      plan: JSON.parse(JSON.stringify(storedPlan(plan(req, s)))),
      catalogVersion: 'v1',
      policyVersion: 'p1',
    };
    expect(replay(stored, s)).toEqual({ identical: true, differences: [] });
  });

  it('names the differences and the versions that moved', () => {
    const stored = { inputs: inputsOf(req, NO_ENV), plan: storedPlan(plan(req, snap())), catalogVersion: 'v1', policyVersion: 'p1' };
    const r = replay(stored, snap([a], 'v2'));
    expect(r.identical).toBe(false);
    expect(r.differences[0]).toBe('catalog version: v1 → v2');
    expect(r.differences.join('\n')).toContain('candidates:');
  });

  it('reports a request the planner now refuses', () => {
    const stored = {
      inputs: inputsOf({ ...req, model: 'openai/b' }, NO_ENV),
      plan: storedPlan(plan({ ...req, model: 'openai/b' }, snap())),
      catalogVersion: 'v1',
      policyVersion: 'p1',
    };
    const r = replay(stored, snap([a], 'v2'));
    expect(r).toMatchObject({ identical: false });
    expect(r.differences[0]).toMatch(/refuses/);
  });
});
