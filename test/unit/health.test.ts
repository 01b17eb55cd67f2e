// The health tracker: EWMAs quantised as the planner reads them, copy-on-write snapshots, and
// the executor feeding it (first token, success, endpoint failure, neutral outcomes).
import { describe, expect, it } from 'vitest';
import { BreakerRegistry } from '../../src/routing/breaker.js';
import { DEFAULT_RETRY, executeChat, executeEmbed, type ExecutorDeps } from '../../src/routing/executor.js';
import { endpointKey, healthSnapshotOf, HealthTracker } from '../../src/routing/health.js';
import { UpstreamError } from '../../src/providers/errors.js';
import { OPENAI_OWNED } from '../../src/providers/options.js';
import type { ChatEvent, ProviderAdapter } from '../../src/providers/types.js';
import type { Candidate } from '../../src/routing/types.js';
import { model } from '../helpers/models.js';

const A = endpointKey('openai', 'openai/a');

describe('health tracker', () => {
  it('quantises EWMAs to integer ms, counts in-flight, ignores neutral outcomes', () => {
    let t = 0;
    const h = new HealthTracker(undefined, () => t, { latencyAlpha: 0.5, errorAlpha: 0.5 });
    const x = h.onStart('openai', 'openai/a');
    expect(h.snapshot().endpoints.get(A)).toMatchObject({ inFlight: 1, samples: 0, latencyMs: 0, ttftMs: 0 });
    t = 10.4;
    x.onFirstToken();
    x.onFirstToken();
    t = 100;
    x.onFinish('ok');
    x.onFinish('error'); // the first finish wins
    expect(h.snapshot().endpoints.get(A)).toEqual({ latencyMs: 100, ttftMs: 10, errorPermille: 0, inFlight: 0, samples: 1 });
    const y = h.onStart('openai', 'openai/a');
    t = 150;
    y.onFinish('ok'); // 50 ms: EWMA 100 + 0.5 × (50 − 100) = 75
    const z = h.onStart('openai', 'openai/a');
    z.onFinish('error'); // latency untouched, error rate 0.5
    h.onStart('openai', 'openai/a').onFinish('neutral');
    expect(h.snapshot().endpoints.get(A)).toEqual({ latencyMs: 75, ttftMs: 10, errorPermille: 500, inFlight: 0, samples: 3 });
  });

  it('a snapshot does not change when the tracker does', () => {
    const h = new HealthTracker(undefined, () => 0);
    const before = h.snapshot();
    const x = h.onStart('openai', 'openai/a');
    const during = h.snapshot();
    x.onFinish('ok');
    expect(before.endpoints.size).toBe(0);
    expect(during.endpoints.get(A)!.inFlight).toBe(1);
    expect(h.snapshot().endpoints.get(A)!.inFlight).toBe(0);
    expect(Object.isFrozen(during.endpoints.get(A))).toBe(true);
  });
});

describe('executor → health', () => {
  let t = 0;
  const clock = () => t;
  const cand = (provider: string, id: string): Candidate => ({
    provider,
    model: model(id),
    estimate: { inputTokens: 1, maxOutputTokens: 1, inputCost: 0n, maxCost: 0n, tokenizer: 't' },
  });
  /** An adapter whose chat advances the clock (each event its own batch): 20 ms to the first token, 100 ms in all. */
  function adapter(script: Array<ChatEvent | UpstreamError>): ProviderAdapter {
    return {
      ownedOptions: OPENAI_OWNED,
      async *chatBatches() {
        for (const step of script) {
          t += step instanceof UpstreamError ? 5 : step.type === 'delta' ? 20 : 80;
          if (step instanceof UpstreamError) throw step;
          yield [step];
        }
      },
      embed: async () => {
        t += 30;
        return { vectors: [[1]], usage: { inputTokens: 1 } };
      },
      listModels: async () => [],
    };
  }
  function deps(adapters: Record<string, ProviderAdapter>): ExecutorDeps & { health: HealthTracker } {
    const breakers = new BreakerRegistry(undefined, clock);
    return {
      adapterFor: (id) => adapters[id],
      breakers,
      health: new HealthTracker(breakers, clock),
      retry: { ...DEFAULT_RETRY, maxAttemptsPerCandidate: 1 },
      random: () => 0,
      now: clock,
      sleep: async () => undefined,
    };
  }
  const drain = async (g: AsyncIterable<unknown>) => {
    for await (const _ of g) void _;
  };
  const prepare = () => ({ call: { messages: [], options: {}, tools: [] }, dropped: [] });
  const never = new AbortController().signal;

  it('records time to first token and duration of a success, and the failure of the endpoint that fell over', async () => {
    const d = deps({
      bad: adapter([new UpstreamError('server_error', '500')]),
      openai: adapter([
        { type: 'delta', text: 'hi' },
        { type: 'finish', reason: 'stop' },
      ]),
    });
    await drain(executeChat([cand('bad', 'bad/x'), cand('openai', 'openai/a')], prepare, never, d));
    const snap = healthSnapshotOf(d);
    expect(snap.endpoints.get(A)).toEqual({ latencyMs: 100, ttftMs: 20, errorPermille: 0, inFlight: 0, samples: 1 });
    expect(snap.endpoints.get(endpointKey('bad', 'bad/x'))).toEqual({
      latencyMs: 0,
      ttftMs: 0,
      errorPermille: 1000,
      inFlight: 0,
      samples: 1,
    });
  });

  it('a client error and a consumer that stops are neutral: in-flight back to 0, no sample', async () => {
    const d = deps({
      openai: adapter([new UpstreamError('bad_request', 'bad')]),
      slow: adapter([
        { type: 'delta', text: 'a' },
        { type: 'delta', text: 'b' },
        { type: 'finish', reason: 'stop' },
      ]),
    });
    await drain(executeChat([cand('openai', 'openai/a')], prepare, never, d));
    const gen = executeChat([cand('slow', 'slow/s')], prepare, never, d);
    for await (const e of gen) if (e.type === 'delta') break; // the caller went away
    const snap = d.health.snapshot();
    expect(snap.endpoints.get(A)).toMatchObject({ inFlight: 0, samples: 0 });
    expect(snap.endpoints.get(endpointKey('slow', 'slow/s'))).toMatchObject({ inFlight: 0, samples: 0, ttftMs: 20 });
  });

  it('embeddings record their duration', async () => {
    const d = deps({ openai: adapter([]) });
    await executeEmbed([cand('openai', 'openai/a')], { inputs: ['x'] }, never, d);
    expect(d.health.snapshot().endpoints.get(A)).toMatchObject({ latencyMs: 30, samples: 1, inFlight: 0 });
  });

  it('circuit states come with the health snapshot', () => {
    const d = deps({});
    for (let i = 0; i < 5; i++) d.breakers.failure('openai');
    expect([...d.health.snapshot().circuits]).toEqual([['openai', 'open']]);
    expect([...healthSnapshotOf({ breakers: d.breakers }).circuits]).toEqual([['openai', 'open']]);
  });
});
