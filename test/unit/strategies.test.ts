// Table-driven tests of every strategy through plan(): health, quality, weights and seed in,
// candidate order out.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { plan } from '../../src/routing/planner.js';
import { DEFAULT_TUNING, type StrategyTuning } from '../../src/routing/strategies.js';
import { fnv1a32 } from '../../src/routing/hash.js';
import { seedOf } from '../../src/routing/seed.js';
import type { PlanRequest, StrategyName } from '../../src/routing/types.js';
import { model } from '../helpers/models.js';
import { baseRequest, env, key, price, provider, snapshotOf, type HealthSpec } from '../helpers/plan-fixtures.js';

// maxCost for 1000 in + 500 out: a 2e9, b 7.5e9, c 10.5e9 pico-USD. Configured order: b, c, a.
const a = model('openai/a', { pricing: price(1_000_000n, 2_000_000n) });
const b = model('openai/b');
const c = model('anthropic/c', { pricing: price(3_000_000n, 15_000_000n) });
const A = key('openai', 'openai/a');
const B = key('openai', 'openai/b');
const C = key('anthropic', 'anthropic/c');

function trio(opts: { weights?: [number, number, number]; quality?: Record<string, number>; tuning?: StrategyTuning } = {}) {
  const [wb, wc, wa] = opts.weights ?? [1, 1, 1];
  return snapshotOf({
    models: [a, b, c],
    providers: [provider('openai'), provider('anthropic')],
    aliases: [
      {
        name: 'trio',
        strategy: 'priority',
        targets: [
          { model: 'openai/b', weight: wb },
          { model: 'anthropic/c', weight: wc },
          { model: 'openai/a', weight: wa },
        ],
      },
    ],
    ...(opts.quality ? { quality: opts.quality } : {}),
    ...(opts.tuning ? { tuning: opts.tuning } : {}),
  });
}

const ids = (p: ReturnType<typeof plan>) => p.candidates.map((x) => x.model.id.split('/')[1]);

interface Case {
  strategy: StrategyName;
  health?: HealthSpec;
  quality?: Record<string, number>;
  weights?: [number, number, number];
  tuning?: StrategyTuning;
  seed?: number;
  want: string[];
}

const cases: Record<string, Case> = {
  'priority keeps the configured order': { strategy: 'priority', want: ['b', 'c', 'a'] },
  'pinned keeps only the first': { strategy: 'pinned', want: ['b'] },
  'cheapest orders by this request’s cost': { strategy: 'cheapest', want: ['a', 'b', 'c'] },
  'fastest: a chat by time to first token': {
    strategy: 'fastest',
    health: { [A]: { ttftMs: 100, latencyMs: 9000 }, [B]: { ttftMs: 300, latencyMs: 400 }, [C]: { ttftMs: 200, latencyMs: 300 } },
    want: ['a', 'c', 'b'],
  },
  'fastest: no time to first token falls back to duration': {
    strategy: 'fastest',
    health: { [A]: { latencyMs: 150 }, [B]: { ttftMs: 300 }, [C]: { ttftMs: 200 } },
    want: ['a', 'c', 'b'],
  },
  'fastest: no data at all keeps the configured order': { strategy: 'fastest', want: ['b', 'c', 'a'] },
  'fastest: without exploration, unmeasured endpoints follow measured ones': {
    strategy: 'fastest',
    health: { [C]: { ttftMs: 100 } },
    tuning: { ...DEFAULT_TUNING, explorationPermille: 0 },
    want: ['c', 'b', 'a'],
  },
  'fastest: full exploration puts an unmeasured endpoint first': {
    strategy: 'fastest',
    health: { [C]: { ttftMs: 100 }, [B]: { ttftMs: 50 } },
    tuning: { ...DEFAULT_TUNING, explorationPermille: 1000 },
    want: ['a', 'b', 'c'],
  },
  'quality: highest score first, ties by cost': {
    strategy: 'quality',
    quality: { 'openai/a': 90, 'openai/b': 50, 'anthropic/c': 90 },
    want: ['a', 'c', 'b'],
  },
  'quality: unscored models last, by cost': { strategy: 'quality', quality: { 'anthropic/c': 10 }, want: ['c', 'a', 'b'] },
  'quality: no scores at all orders by cost': { strategy: 'quality', want: ['a', 'b', 'c'] },
  'weighted: the only positive weight wins, zero weights follow in order': {
    strategy: 'weighted',
    weights: [0, 0, 1],
    seed: 12345,
    want: ['a', 'b', 'c'],
  },
  'least_busy: fewest in flight first': {
    strategy: 'least_busy',
    health: { [A]: { inFlight: 5 }, [B]: { inFlight: 2 }, [C]: { inFlight: 0 } },
    want: ['c', 'b', 'a'],
  },
  'least_busy: no data counts as idle, ties keep the configured order': {
    strategy: 'least_busy',
    health: { [A]: { inFlight: 3 } },
    want: ['b', 'c', 'a'],
  },
  'scored: cost only is cheapest': {
    strategy: 'scored',
    tuning: { ...DEFAULT_TUNING, scored: { cost: 1, latency: 0, quality: 0 } },
    want: ['a', 'b', 'c'],
  },
  'scored: latency only is fastest': {
    strategy: 'scored',
    tuning: { ...DEFAULT_TUNING, scored: { cost: 0, latency: 1, quality: 0 } },
    health: { [A]: { ttftMs: 100 }, [B]: { ttftMs: 300 }, [C]: { ttftMs: 200 } },
    want: ['a', 'c', 'b'],
  },
  'scored: quality only is best quality': {
    strategy: 'scored',
    tuning: { ...DEFAULT_TUNING, scored: { cost: 0, latency: 0, quality: 1 } },
    quality: { 'openai/a': 10, 'openai/b': 80, 'anthropic/c': 50 },
    want: ['b', 'c', 'a'],
  },
  // cost a 0, b 647, c 1000; latency a 1000, b 0, c 0; quality a 0, b 1000, c 0 → a 1000, b 1647, c 1000; a before c by cost.
  'scored: the weighted sum of the three terms, ties by cost': {
    strategy: 'scored',
    health: { [A]: { ttftMs: 400 }, [B]: { ttftMs: 100 }, [C]: { ttftMs: 100 } },
    quality: { 'openai/a': 90, 'openai/b': 50, 'anthropic/c': 90 },
    want: ['a', 'c', 'b'],
  },
  'scored: unknown latency scores the midpoint': {
    strategy: 'scored',
    tuning: { ...DEFAULT_TUNING, scored: { cost: 0, latency: 1, quality: 0 } },
    health: { [A]: { ttftMs: 100 }, [C]: { ttftMs: 300 } },
    want: ['a', 'b', 'c'],
  },
};

describe('strategies', () => {
  it.each(Object.entries(cases))('%s', (_name, k) => {
    const snap = trio({ weights: k.weights, quality: k.quality, tuning: k.tuning });
    const p = plan({ ...baseRequest, strategy: k.strategy }, snap, env(k.health, k.seed ?? 0));
    expect(p.strategy).toBe(k.strategy);
    expect(ids(p)).toEqual(k.want);
  });

  it('the alias’s own strategy applies when the request names none', () => {
    const snap = trio();
    snap.aliases.get('trio')!.strategy = 'cheapest';
    expect(ids(plan(baseRequest, snap))).toEqual(['a', 'b', 'c']);
  });

  it('fastest judges embeddings by duration, not time to first token', () => {
    const e1 = model('openai/e1', { kind: 'embedding', capabilities: ['embeddings'] });
    const e2 = model('openai/e2', { kind: 'embedding', capabilities: ['embeddings'] });
    const snap = snapshotOf({
      models: [e1, e2],
      providers: [provider('openai')],
      aliases: [
        {
          name: 'emb',
          strategy: 'fastest',
          targets: [
            { model: 'openai/e1', weight: 1 },
            { model: 'openai/e2', weight: 1 },
          ],
        },
      ],
    });
    const req: PlanRequest = { ...baseRequest, model: 'emb', kind: 'embedding', maxOutputTokens: 0 };
    const p = plan(
      req,
      snap,
      env({ [key('openai', 'openai/e1')]: { latencyMs: 300, ttftMs: 10 }, [key('openai', 'openai/e2')]: { latencyMs: 100 } }),
    );
    expect(p.candidates.map((x) => x.model.id)).toEqual(['openai/e2', 'openai/e1']);
  });

  it('fastest explores a bounded, seed-chosen share of plans', () => {
    const snap = trio();
    const health = { [B]: { ttftMs: 100 } };
    let explored = 0;
    const N = 5000;
    for (let i = 0; i < N; i++) {
      const first = plan({ ...baseRequest, strategy: 'fastest' }, snap, env(health, seedOf(`r${i}`, 'p1', baseRequest))).candidates[0]!;
      if (first.model.id !== 'openai/b') explored++;
    }
    // 10% by default: 500 ± ~5σ.
    expect(explored).toBeGreaterThan(N * 0.08);
    expect(explored).toBeLessThan(N * 0.12);
  });

  it('weighted: the same seed gives the same order, and an alias model’s endpoints stay together', () => {
    const azure = provider('azure', { vendors: ['openai'] });
    const snap = snapshotOf({
      models: [a, b, c],
      providers: [provider('openai'), azure, provider('anthropic')],
      aliases: [
        {
          name: 'trio',
          strategy: 'weighted',
          targets: [
            { model: 'openai/b', weight: 3 },
            { model: 'anthropic/c', weight: 2 },
            { model: 'openai/a', weight: 1 },
          ],
        },
      ],
    });
    for (let seed = 0; seed < 50; seed++) {
      const one = plan(baseRequest, snap, env({}, seed)).candidates.map((x) => `${x.provider}:${x.model.id}`);
      expect(plan(baseRequest, snap, env({}, seed)).candidates.map((x) => `${x.provider}:${x.model.id}`)).toEqual(one);
      expect(one).toHaveLength(5);
      const i = one.findIndex((e) => e.endsWith('openai/b'));
      expect(one.slice(i, i + 2)).toEqual(['openai:openai/b', 'azure:openai/b']);
    }
  });

  it('weighted choices vary with the seed', () => {
    const snap = trio();
    const firsts = new Set<string>();
    for (let seed = 0; seed < 100; seed++)
      firsts.add(plan({ ...baseRequest, strategy: 'weighted' }, snap, env({}, seed)).candidates[0]!.model.id);
    expect(firsts.size).toBe(3);
  });
});

describe('seed', () => {
  it('FNV-1a 32 matches the reference vectors', () => {
    expect(fnv1a32('')).toBe(0x811c9dc5);
    expect(fnv1a32('a')).toBe(0xe40c292c);
    expect(fnv1a32('foobar')).toBe(0xbf9cf968);
  });

  it('comes from the request id and the policy version, else from the request', () => {
    expect(seedOf('r1', 'p1', baseRequest)).toBe(seedOf('r1', 'p1', { ...baseRequest, inputTokens: 5 }));
    expect(seedOf('r1', 'p1', baseRequest)).not.toBe(seedOf('r2', 'p1', baseRequest));
    expect(seedOf('r1', 'p1', baseRequest)).not.toBe(seedOf('r1', 'p2', baseRequest));
    expect(seedOf('', 'p1', baseRequest)).toBe(seedOf('', 'p1', { ...baseRequest }));
    expect(seedOf('', 'p1', baseRequest)).not.toBe(seedOf('', 'p1', { ...baseRequest, inputTokens: 5 }));
  });
});

describe('strategies config', () => {
  const load = (yaml: string) => {
    const path = join(mkdtempSync(join(tmpdir(), 'sy-strat-')), 'switchyard.yaml');
    writeFileSync(path, yaml);
    return loadConfig({ config: path }, {});
  };
  it('reads exploration and scored weights, with defaults for what is unset', () => {
    expect(load('strategies: { fastest: { exploration_percent: 2.5 }, scored: { cost: 3 } }\n').tuning).toEqual({
      explorationPermille: 25,
      scored: { cost: 3, latency: 1, quality: 1 },
    });
    expect(load('strategies: {}\n').tuning).toEqual(DEFAULT_TUNING);
    expect(load('aliases: {}\n').tuning).toBeUndefined();
  });
  it('rejects an exploration share over 100%', () => {
    expect(() => load('strategies: { fastest: { exploration_percent: 150 } }\n')).toThrow(/strategies.fastest.exploration_percent/);
  });
});
