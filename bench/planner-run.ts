// plan() latency in-process (run by bench/planner.ts, compiled as production runs it): the full
// embedded catalog, a realistic provider set (two providers for OpenAI models), aliases, 100
// tenant policies over a platform policy, a health snapshot fed through the HealthTracker, and
// requests mixing tenants, models, aliases, requirements and every strategy. Only plan() is
// timed; the per-request env (health snapshot + seed) is timed on its own row. Prints a
// table, then one JSON line.
import { Catalog } from '../src/catalog/catalog.js';
import { STRATEGIES, type StrategyName } from '../src/routing/types.js';
import type { ProviderSpec } from '../src/config/load.js';
import { Secret } from '../src/config/secret.js';
import { buildSnapshot } from '../src/app/snapshot.js';
import { BreakerRegistry } from '../src/routing/breaker.js';
import { HealthTracker } from '../src/routing/health.js';
import { plan, type PlanEnv } from '../src/routing/planner.js';
import { buildPolicySnapshot, EMPTY_RULES, type PolicyRules, type VersionedRules } from '../src/routing/policy.js';
import { planEnvFor, seedOf } from '../src/routing/seed.js';
import { NO_REQUIREMENTS, type PlanRequest } from '../src/routing/types.js';

const CALLS = Number(process.env.BENCH_CALLS ?? 40_000); // per strategy
const WARMUP = Number(process.env.BENCH_WARMUP ?? 30_000);
const TENANTS = 100;

/** Deterministic PRNG (mulberry32): the same workload on every run. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rand = rng(42);
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;

const key = new Secret('bench');
const spec = (id: string, kind: ProviderSpec['kind'], over: Partial<ProviderSpec> = {}): ProviderSpec => ({
  id,
  kind,
  apiKey: key,
  regions: [],
  local: false,
  disabled: false,
  source: 'config',
  ...over,
});
const providers: ProviderSpec[] = [
  spec('openai', 'openai'),
  spec('openai-eu', 'openai', { regions: ['eu-west-1'] }),
  spec('anthropic', 'anthropic'),
  spec('gemini', 'gemini'),
  spec('openrouter', 'openrouter'),
  spec('groq', 'openai_compatible', { preset: 'groq' }),
  spec('mistral', 'openai_compatible', { preset: 'mistral' }),
  spec('deepseek', 'openai_compatible', { preset: 'deepseek' }),
  spec('ollama', 'ollama', { apiKey: undefined, local: true }),
];

const ALIASES = {
  smart: ['openai/gpt-4o', 'anthropic/claude-sonnet-4-5', 'gemini/gemini-2.5-pro', 'openai/gpt-4.1'],
  fast: [
    'openai/gpt-4o-mini',
    'anthropic/claude-haiku-4-5',
    'gemini/gemini-2.5-flash',
    'groq/llama-3.3-70b-versatile',
    'mistral/mistral-large-latest',
    'deepseek/deepseek-chat',
  ],
  private: ['ollama/llama3.1', 'openai/gpt-4.1-mini'],
};
const MODELS = [
  'smart',
  'smart',
  'fast',
  'fast',
  'private',
  'gpt-4o-mini',
  'anthropic/claude-sonnet-4-5',
  'openrouter/anthropic/claude-sonnet-4',
];

// Quality scores as an operator would set them (config models[].quality → catalog overrides).
const qualities: Record<string, number> = {
  'openai/gpt-4o': 85,
  'anthropic/claude-sonnet-4-5': 92,
  'gemini/gemini-2.5-pro': 90,
  'openai/gpt-4.1': 88,
  'openai/gpt-4o-mini': 70,
  'anthropic/claude-haiku-4-5': 74,
  'gemini/gemini-2.5-flash': 76,
};
const catalog = Catalog.fromEmbedded(
  Object.entries(qualities).map(([modelId, quality]) => ({ modelId, patch: {}, quality, source: 'config' as const })),
);

// Platform policy + 100 tenant overlays, each narrowing it a different way.
const platform: VersionedRules = {
  version: 3,
  rules: { ...EMPTY_RULES, deniedModels: ['openai/o1*'], maxRemoteSensitivity: 'confidential' },
};
const tenantRules = (i: number): PolicyRules => {
  switch (i % 5) {
    case 0:
      return { ...EMPTY_RULES, allowedProviders: ['openai', 'openai-eu', 'anthropic', 'ollama'] };
    case 1:
      return { ...EMPTY_RULES, deniedProviders: ['openrouter', 'groq'] };
    case 2:
      return { ...EMPTY_RULES, deniedModels: ['openai/gpt-4o', 'deepseek/*'], maxOutputTokens: 4096 };
    case 3:
      return { ...EMPTY_RULES, maxPricePerMillionTokens: 20_000_000n, maxOutputTokens: 2048 };
    default:
      return { ...EMPTY_RULES, allowedModels: ['openai/*', 'anthropic/*', 'gemini/*', 'groq/*', 'mistral/*', 'ollama/*', 'openrouter/*'] };
  }
};
const tenantIds = Array.from({ length: TENANTS }, (_, i) => `t${String(i).padStart(3, '0')}`);
const policy = buildPolicySnapshot(platform, new Map(tenantIds.map((id, i) => [id, { version: 1 + (i % 4), rules: tenantRules(i) }])));

const snap = buildSnapshot({
  catalog,
  providers,
  aliases: Object.entries(ALIASES).map(([name, ts]) => ({
    name,
    strategy: 'priority' as StrategyName,
    targets: ts.map((m, i) => ({ model: m, weight: 1 + i })),
  })),
  policyVersion: policy.platform.version,
  policy,
});

// Health: ~80% of the endpoints the workload can reach have data (the rest exercise the
// exploration path), fed through the tracker as the executor would, with a fake clock.
let now = 0;
const breakers = new BreakerRegistry(undefined, () => now);
const health = new HealthTracker(breakers, () => now);
const endpoints = new Set<string>();
for (const name of [...Object.values(ALIASES).flat(), 'openai/gpt-4o-mini', 'openrouter/anthropic/claude-sonnet-4']) {
  const m = catalog.resolve(name)!;
  for (const p of snap.providersByVendor.get(m.vendor) ?? []) endpoints.add(`${p.id} ${m.id}`);
}
for (const e of endpoints) {
  if (rand() < 0.2) continue;
  const [p, m] = e.split(' ') as [string, string];
  const base = 150 + rand() * 2000;
  for (let k = 0; k < 30; k++) {
    const a = health.onStart(p, m);
    now += base * (0.2 + rand() * 0.2);
    a.onFirstToken();
    now += base * (0.5 + rand());
    a.onFinish(rand() < 0.05 ? 'error' : 'ok');
  }
  for (let k = Math.floor(rand() * 6); k > 0; k--) health.onStart(p, m); // left in flight
}
for (let k = 0; k < 5; k++) breakers.failure('deepseek'); // one open circuit (its alias has fallbacks)

function request(strategy: StrategyName, i: number): PlanRequest {
  const r = rand();
  return {
    model: pick(MODELS),
    tenant: i % 10 === 0 ? 'no-policy' : pick(tenantIds),
    workerId: '',
    taskType: '',
    kind: 'chat',
    inputTokens: 50 + Math.floor(rand() * 20_000),
    tokenizer: 'chars/4',
    maxOutputTokens: pick([0, 256, 1024, 4096]),
    requirements: {
      ...NO_REQUIREMENTS,
      capabilities: r < 0.25 ? ['tools'] : [],
      maxLatencyMs: r > 0.9 ? 2_500 : 0,
      maxPricePerMillionTokens: r > 0.8 && r <= 0.9 ? 30_000_000n : 0n,
    },
    sensitivity: 'unspecified',
    strategy,
  };
}

interface Stats {
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}
function stats(ns: Float64Array): Stats {
  const s = Float64Array.from(ns).sort();
  const q = (f: number) => s[Math.min(s.length - 1, Math.floor(f * s.length))]! / 1000;
  return { p50: q(0.5), p90: q(0.9), p99: q(0.99), max: s[s.length - 1]! / 1000, mean: s.reduce((a, b) => a + b, 0) / s.length / 1000 };
}

function run(strategy: StrategyName, n: number): { ns: Float64Array; refused: number } {
  const reqs = Array.from({ length: n }, (_, i) => request(strategy, i));
  const hsnap = health.snapshot();
  const envs: PlanEnv[] = reqs.map((r, i) => ({ health: hsnap, seed: seedOf(`req-${i}`, policy.platform.version, r) }));
  const ns = new Float64Array(n);
  let refused = 0;
  for (let i = 0; i < n; i++) {
    const t0 = process.hrtime.bigint();
    try {
      plan(reqs[i]!, snap, envs[i]!);
    } catch {
      refused++;
    }
    ns[i] = Number(process.hrtime.bigint() - t0);
  }
  return { ns, refused };
}

for (const s of STRATEGIES) run(s, Math.ceil(WARMUP / STRATEGIES.length));

const rows: Array<[string, Stats, number]> = [];
const all: Float64Array[] = [];
for (const s of STRATEGIES) {
  const { ns, refused } = run(s, CALLS);
  rows.push([s, stats(ns), refused]);
  all.push(ns);
}
const merged = new Float64Array(all.reduce((n, a) => n + a.length, 0));
all.reduce((off, a) => (merged.set(a, off), off + a.length), 0);
const total = stats(merged);

// The per-request env the services build (planEnvFor: tracker snapshot + breaker states + seed).
const envNs = new Float64Array(CALLS);
const deps = { health, breakers };
for (let i = 0; i < CALLS; i++) {
  const r = request('priority', i);
  const t0 = process.hrtime.bigint();
  planEnvFor(deps, snap, r, `req-${i}`);
  envNs[i] = Number(process.hrtime.bigint() - t0);
}
const env = stats(envNs);

const f = (x: number) => x.toFixed(1).padStart(8);
console.log(
  `catalog ${catalog.size} models (${catalog.version}), ${providers.length} providers, ${policy.byTenant.size} tenant policies, ${health.snapshot().endpoints.size} endpoints with health`,
);
console.log(
  `${'strategy'.padEnd(12)} ${'p50 µs'.padStart(8)} ${'p90 µs'.padStart(8)} ${'p99 µs'.padStart(8)} ${'max µs'.padStart(8)} ${'mean µs'.padStart(8)}  refused`,
);
for (const [name, s, refused] of rows)
  console.log(`${name.padEnd(12)} ${f(s.p50)} ${f(s.p90)} ${f(s.p99)} ${f(s.max)} ${f(s.mean)}  ${refused}/${CALLS}`);
console.log(`${'all'.padEnd(12)} ${f(total.p50)} ${f(total.p90)} ${f(total.p99)} ${f(total.max)} ${f(total.mean)}`);
console.log(`${'env (seed+health)'.padEnd(12)} ${f(env.p50)} ${f(env.p90)} ${f(env.p99)} ${f(env.max)} ${f(env.mean)}`);
console.log(`plan() p99 ${total.p99.toFixed(1)} µs (target ≤ 50 µs: ${total.p99 <= 50 ? 'met' : 'NOT met'})`);
const r2 = (x: number) => Number(x.toFixed(2));
console.log(
  JSON.stringify({
    bench: 'planner',
    p50_us: r2(total.p50),
    p99_us: r2(total.p99),
    target_p99_us: 50,
    by_strategy: Object.fromEntries(rows.map(([n, s]) => [n, { p50_us: r2(s.p50), p99_us: r2(s.p99) }])),
    env_p50_us: r2(env.p50),
    env_p99_us: r2(env.p99),
    calls: CALLS * STRATEGIES.length,
    catalog_models: catalog.size,
    tenant_policies: policy.byTenant.size,
  }),
);
