// One row per hard constraint: the endpoint "openai/x" is excluded with the typed reason and a
// detail, while the local fallback "ollama/y" survives; an excluded endpoint is never a candidate.
import { describe, expect, it } from 'vitest';
import { plan, type PlanEnv, type RoutingSnapshot } from '../../src/routing/planner.js';
import {
  NO_REQUIREMENTS,
  type ExclusionReason,
  type PlanRequest,
  type PlannerProvider,
  type Requirements,
} from '../../src/routing/types.js';
import type { SwitchyardError } from '../../src/errors.js';
import { model } from '../helpers/models.js';
import { baseRequest, env, key, price, provider, snapshotOf } from '../helpers/plan-fixtures.js';

const x = model('openai/x', {
  contextWindow: 8_000,
  maxOutputTokens: 4_096,
  parameters: { ...model('openai/x').parameters, seed: { state: 'unsupported' } },
});
const y = model('ollama/y', {
  contextWindow: 200_000,
  capabilities: ['tools', 'streaming', 'vision'],
  regions: ['eu'],
  local: true,
  pricing: price(0n, 0n),
});
const z = model('mistral/z');
const X = key('openai', 'openai/x');

function snap(openai: Partial<PlannerProvider> = {}): RoutingSnapshot {
  return snapshotOf({
    models: [x, y, z],
    providers: [provider('openai', openai), provider('ollama', { local: true })],
    aliases: [
      {
        name: 'pair',
        strategy: 'priority',
        targets: [
          { model: 'openai/x', weight: 1 },
          { model: 'ollama/y', weight: 1 },
          { model: 'mistral/z', weight: 1 },
        ],
      },
    ],
  });
}

const req = (over: Partial<PlanRequest> = {}, r: Partial<Requirements> = {}): PlanRequest => ({
  ...baseRequest,
  model: 'pair',
  inputTokens: 100,
  ...over,
  requirements: { ...NO_REQUIREMENTS, ...r },
});

type Row = [name: string, request: PlanRequest, snapshot: RoutingSnapshot, env: PlanEnv, reason: ExclusionReason, endpoint: string];
const rows: Row[] = [
  ['capability', req({}, { capabilities: ['vision'] }), snap(), env(), 'missing_capability', 'openai/x'],
  ['context window (input + output)', req({ inputTokens: 7_800 }), snap(), env(), 'context_window', 'openai/x'],
  ['min context tokens', req({}, { minContextTokens: 100_000 }), snap(), env(), 'context_window', 'openai/x'],
  ['max output', req({ maxOutputTokens: 5_000 }), snap(), env(), 'max_output', 'openai/x'],
  ['required parameter', req({}, { requiredParameters: ['seed'] }), snap(), env(), 'required_parameter', 'openai/x'],
  ['provider allow list', req({}, { allowedProviders: ['ollama'] }), snap(), env(), 'provider_not_allowed', 'openai/x'],
  ['provider deny list', req({}, { deniedProviders: ['openai'] }), snap(), env(), 'provider_denied', 'openai/x'],
  ['region', req({}, { allowedRegions: ['eu'] }), snap(), env(), 'region', 'openai/x'],
  ['sensitivity', req({ sensitivity: 'restricted' }), snap(), env(), 'sensitivity', 'openai/x'],
  ['price ceiling', req({}, { maxPricePerMillionTokens: 1_000_000n }), snap(), env(), 'price', 'openai/x'],
  ['max latency', req({}, { maxLatencyMs: 500 }), snap(), env({ [X]: { latencyMs: 900 } }), 'latency', 'openai/x'],
  ['circuit open', req(), snap(), env({}, 0, [['openai', 'open']]), 'circuit_open', 'openai/x'],
  ['no credentials', req(), snap({ hasCredentials: false }), env(), 'no_credentials', 'openai/x'],
  ['provider disabled', req(), snap({ disabled: true }), env(), 'policy', 'openai/x'],
  ['no provider for the vendor', req(), snap(), env(), 'no_provider', 'mistral/z'],
];

describe('hard constraints', () => {
  it.each(rows)('%s', (_name, request, snapshot, e, reason, endpoint) => {
    const p = plan(request, snapshot, e);
    const hit = p.excluded.find((ex) => ex.model === endpoint);
    expect(hit).toMatchObject({ reason });
    expect(hit!.detail).not.toBe('');
    expect(p.candidates.map((c) => c.model.id)).not.toContain(endpoint);
    expect(p.candidates.map((c) => c.model.id)).toContain('ollama/y');
  });

  it('wrong kind: nothing qualifies → FAILED_PRECONDITION naming the reason', () => {
    let err: SwitchyardError | undefined;
    try {
      plan(req({ kind: 'embedding' }), snap(), env());
    } catch (e) {
      err = e as SwitchyardError;
    }
    expect(err?.kind).toBe('failed_precondition');
    expect(err?.metadata.reasons).toContain('wrong_kind');
  });

  const latency: Array<[string, Parameters<typeof env>[0], boolean]> = [
    ['over the ceiling', { [X]: { latencyMs: 501 } }, false],
    ['exactly at the ceiling', { [X]: { latencyMs: 500 } }, true],
    ['no measurement yet (kept, so it can be measured)', {}, true],
    ['failures only, no latency sample', { [X]: { latencyMs: 0, errorPermille: 1000, samples: 3 } }, true],
  ];
  it.each(latency)('max_latency_ms: %s', (_name, health, kept) => {
    const p = plan(req({}, { maxLatencyMs: 500 }), snap(), env(health));
    expect(p.candidates.some((c) => c.model.id === 'openai/x')).toBe(kept);
  });

  it('max_latency_ms 0 means no ceiling', () => {
    const p = plan(req(), snap(), env({ [X]: { latencyMs: 100_000 } }));
    expect(p.candidates[0]!.model.id).toBe('openai/x');
  });
});
