// Decision records keep the seed and the health the planner read (only for the endpoints it
// considered), and replay re-plans with those, not with today's health.
import { describe, expect, it } from 'vitest';
import { envFrom, inputsOf, replay, storedPlan } from '../../src/routing/decision.js';
import { plan } from '../../src/routing/planner.js';
import type { StrategyName } from '../../src/routing/types.js';
import { model } from '../helpers/models.js';
import { baseRequest, env, key, price, provider, snapshotOf } from '../helpers/plan-fixtures.js';

const a = model('openai/a', { pricing: price(1n, 1n) });
const b = model('openai/b');
const c = model('anthropic/c');
const snap = () =>
  snapshotOf({
    models: [a, b, c],
    providers: [provider('openai'), provider('anthropic')],
    aliases: [
      {
        name: 'trio',
        strategy: 'priority',
        targets: [
          { model: 'openai/a', weight: 1 },
          { model: 'openai/b', weight: 5 },
          { model: 'anthropic/c', weight: 2 },
        ],
      },
    ],
    quality: { 'openai/b': 70 },
  });
const health = {
  [key('openai', 'openai/a')]: { latencyMs: 900, ttftMs: 300, inFlight: 4 },
  [key('openai', 'openai/b')]: { latencyMs: 400, ttftMs: 120, inFlight: 1 },
  [key('anthropic', 'anthropic/c')]: { latencyMs: 700, ttftMs: 90, inFlight: 0 },
  [key('gemini', 'gemini/unrelated')]: { latencyMs: 5 },
};

describe('decision records with health and seed', () => {
  it('store the seed and only the health of the endpoints the plan considered', () => {
    const e = env(health, 424242, [['gemini', 'open']]);
    const p = plan({ ...baseRequest, strategy: 'fastest' }, snap(), e);
    const inputs = inputsOf({ ...baseRequest, strategy: 'fastest' }, e, undefined, p);
    expect(inputs.seed).toBe(424242);
    expect(inputs.health!.map((h) => `${h.provider}:${h.model}`).sort()).toEqual([
      'anthropic:anthropic/c',
      'openai:openai/a',
      'openai:openai/b',
    ]);
    expect(inputs.health!.find((h) => h.model === 'openai/b')).toEqual({
      provider: 'openai',
      model: 'openai/b',
      latencyMs: 400,
      ttftMs: 120,
      errorPermille: 0,
      inFlight: 1,
      samples: 1,
    });
    expect(inputs.circuits).toEqual([['gemini', 'open']]);
  });

  it.each<StrategyName>(['fastest', 'weighted', 'least_busy', 'scored', 'quality'])(
    '%s replays identically from the record, whatever the live health is now',
    (strategy) => {
      for (let seed = 0; seed < 20; seed++) {
        const req = { ...baseRequest, strategy, requirements: { ...baseRequest.requirements, maxLatencyMs: 800 } };
        const e = env(health, seed * 7919);
        const p = plan(req, snap(), e);
        const stored = JSON.parse(
          JSON.stringify({
            inputs: inputsOf(req, e, { requestId: 'r' }, p),
            plan: storedPlan(p),
            catalogVersion: 'test',
            policyVersion: 'p1',
          }),
        );
        expect(replay(stored, snap())).toEqual({ identical: true, differences: [] });
        expect(plan(req, snap(), envFrom(stored.inputs))).toEqual(p);
      }
    },
  );

  it('a record from before the routing engine (no seed, no health) replays with seed 0 and no data', () => {
    const p = plan(baseRequest, snap());
    const inputs = inputsOf(baseRequest, env({}, 0));
    delete inputs.seed;
    expect(envFrom(inputs)).toMatchObject({ seed: 0 });
    expect(replay({ inputs, plan: storedPlan(p), catalogVersion: 'test', policyVersion: 'p1' }, snap()).identical).toBe(true);
  });
});
