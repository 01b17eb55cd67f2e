// Property tests of the planner (fast-check): equal inputs give equal plans (and a stored
// decision replays identically), a plan never contains an excluded candidate, strategies only
// reorder, and weighted first choices follow the weights over many request ids.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Capability, ModelEntry } from '../../src/catalog/types.js';
import { checkEndpoint, checkLatency } from '../../src/routing/constraints.js';
import { inputsOf, replay, storedPlan } from '../../src/routing/decision.js';
import { plan, type PlanEnv, type RoutingSnapshot } from '../../src/routing/planner.js';
import { effectiveFor } from '../../src/routing/policy.js';
import { seedOf } from '../../src/routing/seed.js';
import { SwitchyardError } from '../../src/errors.js';
import { NO_REQUIREMENTS, STRATEGIES, type Plan, type PlanRequest, type Sensitivity, type StrategyName } from '../../src/routing/types.js';
import { model } from '../helpers/models.js';
import { env, key, price, provider, snapshotOf, type HealthSpec } from '../helpers/plan-fixtures.js';

const VENDORS = ['openai', 'anthropic', 'ollama', 'mistral'] as const; // mistral: no provider
const PROVIDERS = ['openai', 'azure', 'anthropic', 'ollama'] as const; // azure also serves openai
const CAPS: Capability[] = ['tools', 'vision', 'streaming', 'json_schema'];
const REGIONS = ['eu', 'us'];

/** Mostly `none`, sometimes a constraint: a generator where most plans fail proves little. */
const rarely = <T>(arb: fc.Arbitrary<T>, none: T): fc.Arbitrary<T> =>
  fc.oneof({ weight: 4, arbitrary: fc.constant(none) }, { weight: 1, arbitrary: arb });

const modelArb = fc.record({
  vendor: fc.constantFrom(...VENDORS, 'openai', 'anthropic'),
  contextWindow: fc.constantFrom(0, 4_000, 32_000, 200_000, 200_000),
  maxOutputTokens: fc.constantFrom(0, 2_048, 16_384, 16_384),
  capabilities: fc.subarray(CAPS),
  input: fc.bigInt({ min: 0n, max: 5_000_000n }),
  output: fc.bigInt({ min: 0n, max: 20_000_000n }),
  local: fc.boolean(),
  regions: fc.subarray(REGIONS),
  quality: fc.option(fc.integer({ min: 0, max: 100 }), { nil: undefined }),
  weight: fc.integer({ min: 0, max: 10 }),
});

const providerArb = fc.record({
  hasCredentials: rarely(fc.constant(false), true),
  disabled: rarely(fc.constant(true), false),
  regions: fc.subarray(REGIONS),
  local: fc.boolean(),
});

const healthArb = fc.record({
  latencyMs: fc.integer({ min: 0, max: 3_000 }),
  ttftMs: fc.integer({ min: 0, max: 1_000 }),
  errorPermille: fc.integer({ min: 0, max: 1_000 }),
  inFlight: fc.integer({ min: 0, max: 20 }),
  samples: fc.integer({ min: 0, max: 100 }),
});

const inputArb = fc.record({
  models: fc.array(modelArb, { minLength: 2, maxLength: 6 }),
  providers: fc.tuple(providerArb, providerArb, providerArb, providerArb),
  strategy: fc.constantFrom(...STRATEGIES),
  inputTokens: fc.oneof(
    { weight: 4, arbitrary: fc.integer({ min: 0, max: 2_000 }) },
    { weight: 1, arbitrary: fc.integer({ min: 0, max: 50_000 }) },
  ),
  maxOutputTokens: fc.constantFrom(0, 0, 100, 1_000, 1_000, 4_000, 20_000),
  capabilities: rarely(fc.subarray(CAPS, { minLength: 1, maxLength: 2 }), []),
  minContextTokens: rarely(fc.constant(100_000), 0),
  allowedProviders: rarely(fc.subarray([...PROVIDERS], { minLength: 1, maxLength: 3 }), []),
  deniedProviders: rarely(fc.subarray([...PROVIDERS], { minLength: 1, maxLength: 1 }), []),
  allowedRegions: rarely(fc.subarray(REGIONS, { minLength: 1, maxLength: 1 }), []),
  maxPrice: rarely(fc.constantFrom(1_000_000n, 5_000_000n), 0n),
  maxLatencyMs: rarely(fc.constantFrom(200, 1_000), 0),
  sensitivity: rarely(fc.constantFrom<Sensitivity>('internal', 'restricted'), 'unspecified'),
  health: fc.array(fc.option(healthArb, { nil: undefined }), { minLength: 24, maxLength: 24 }),
  circuits: fc.tuple(...PROVIDERS.map(() => rarely(fc.constantFrom('open', 'half_open'), undefined))),
  seed: fc.nat({ max: 0xffffffff }),
});
type Input = typeof inputArb extends fc.Arbitrary<infer T> ? T : never;

/** Builds fresh planner inputs from a generated value (new objects on every call). */
function build(
  x: Input,
  strategy: StrategyName = x.strategy,
): { req: PlanRequest; snap: RoutingSnapshot; env: PlanEnv; models: ModelEntry[] } {
  const models = x.models.map((m, i) =>
    model(`${m.vendor}/m${i}`, {
      contextWindow: m.contextWindow,
      maxOutputTokens: m.maxOutputTokens,
      capabilities: m.capabilities,
      pricing: price(m.input, m.output),
      local: m.local,
      regions: m.regions,
    }),
  );
  const providers = PROVIDERS.map((id, i) => provider(id, { ...x.providers[i]!, vendors: id === 'azure' ? ['openai'] : [id] }));
  const quality: Record<string, number> = {};
  x.models.forEach((m, i) => {
    if (m.quality !== undefined) quality[models[i]!.id] = m.quality;
  });
  const snap = snapshotOf({
    models,
    providers,
    quality,
    aliases: [{ name: 'any', strategy: 'priority', targets: models.map((m, i) => ({ model: m.id, weight: x.models[i]!.weight })) }],
  });
  const spec: HealthSpec = {};
  let n = 0;
  for (const m of models)
    for (const p of PROVIDERS) {
      const h = x.health[n++ % x.health.length];
      if (h) spec[key(p, m.id)] = h;
    }
  const circuits = PROVIDERS.flatMap((p, i) => (x.circuits[i] ? [[p, x.circuits[i]!] as [string, string]] : []));
  const req: PlanRequest = {
    model: 'any',
    kind: 'chat',
    inputTokens: x.inputTokens,
    tokenizer: 'chars/4',
    maxOutputTokens: x.maxOutputTokens,
    sensitivity: x.sensitivity,
    strategy,
    requirements: {
      ...NO_REQUIREMENTS,
      capabilities: [...x.capabilities],
      minContextTokens: x.minContextTokens,
      allowedProviders: [...x.allowedProviders],
      deniedProviders: [...x.deniedProviders],
      allowedRegions: [...x.allowedRegions],
      maxPricePerMillionTokens: x.maxPrice,
      maxLatencyMs: x.maxLatencyMs,
    },
  };
  return { req, snap, env: env(spec, x.seed, circuits), models };
}

/** The plan, or the typed refusal. */
function attempt(i: ReturnType<typeof build>): Plan | { refused: string; reasons: unknown } {
  try {
    return plan(i.req, i.snap, i.env);
  } catch (err) {
    if (!(err instanceof SwitchyardError)) throw err;
    return { refused: err.kind, reasons: err.metadata.reasons };
  }
}

const endpoint = (c: { provider: string; model: string | { id: string } }) =>
  `${c.provider}:${typeof c.model === 'string' ? c.model : c.model.id}`;

describe('planner properties', () => {
  it('equal inputs give equal plans, and the stored decision replays identically', () => {
    fc.assert(
      fc.property(inputArb, (x) => {
        const one = build(x);
        const a = attempt(one);
        expect(attempt(build(x))).toEqual(a);
        if ('refused' in a) return;
        const stored = JSON.parse(JSON.stringify({ inputs: inputsOf(one.req, one.env, undefined, a), plan: storedPlan(a) }));
        expect(replay({ ...stored, catalogVersion: 'test', policyVersion: 'p1' }, build(x).snap)).toEqual({
          identical: true,
          differences: [],
        });
      }),
      { numRuns: 400 },
    );
  });

  it('a plan never contains an excluded candidate, and every candidate passes every constraint', () => {
    fc.assert(
      fc.property(inputArb, (x) => {
        const i = build(x);
        const p = attempt(i);
        if ('refused' in p) {
          expect(p.refused).toBe('failed_precondition');
          return;
        }
        const excluded = new Set(p.excluded.map(endpoint));
        const policy = effectiveFor(i.snap, i.req.tenant);
        for (const c of p.candidates) {
          expect(excluded.has(endpoint(c))).toBe(false);
          expect(i.env.health.circuits.get(c.provider)).not.toBe('open');
          const prov = [...i.snap.providersByVendor.get(c.model.vendor)!].find((q) => q.id === c.provider)!;
          expect(checkEndpoint(i.req, prov, c.model, c.estimate, policy)).toBeUndefined();
          expect(checkLatency(i.req, c.provider, c.model.id, i.env.health)).toBeUndefined();
        }
      }),
      { numRuns: 400 },
    );
  });

  it('strategies only reorder: every strategy but pinned keeps the same candidate set', () => {
    fc.assert(
      fc.property(inputArb, (x) => {
        const base = attempt(build(x, 'priority'));
        for (const s of STRATEGIES) {
          const p = attempt(build(x, s));
          if ('refused' in base || 'refused' in p) {
            expect('refused' in p).toBe('refused' in base);
            continue;
          }
          const set = (q: Plan) => q.candidates.map(endpoint).sort();
          if (s === 'pinned') expect(p.candidates.map(endpoint)).toEqual([endpoint(base.candidates[0]!)]);
          else expect(set(p)).toEqual(set(base));
          expect(p.excluded).toEqual(base.excluded);
        }
      }),
      { numRuns: 150 },
    );
  });

  it('weighted first choices follow the weights over many request ids', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 10 }), { minLength: 2, maxLength: 5 }), (weights) => {
        const models = weights.map((_, i) => model(`openai/w${i}`, { pricing: price(1n, 1n) }));
        const snap = snapshotOf({
          models,
          providers: [provider('openai')],
          aliases: [{ name: 'w', strategy: 'weighted', targets: models.map((m, i) => ({ model: m.id, weight: weights[i]! })) }],
        });
        const req: PlanRequest = {
          model: 'w',
          kind: 'chat',
          inputTokens: 10,
          tokenizer: 'chars/4',
          maxOutputTokens: 10,
          requirements: NO_REQUIREMENTS,
          sensitivity: 'unspecified',
        };
        const N = 4_000;
        const counts = new Map<string, number>();
        for (let r = 0; r < N; r++) {
          const first = plan(req, snap, env({}, seedOf(`req-${r}`, 'p1', req))).candidates[0]!.model.id;
          counts.set(first, (counts.get(first) ?? 0) + 1);
        }
        const total = weights.reduce((s, w) => s + w, 0);
        models.forEach((m, i) => {
          // σ of a proportion over 4000 draws ≤ 0.008: 0.04 is 5σ.
          expect(Math.abs((counts.get(m.id) ?? 0) / N - weights[i]! / total)).toBeLessThan(0.04);
        });
      }),
      { numRuns: 15 },
    );
  });
});
