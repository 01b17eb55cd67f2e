import { describe, expect, it } from 'vitest';
import { BreakerRegistry } from '../../src/routing/breaker.js';
import {
  backoffMs,
  DEFAULT_RETRY,
  executeChat,
  executeChatBatches,
  type ExecEvent,
  type ExecutorDeps,
} from '../../src/routing/executor.js';
import { UpstreamError } from '../../src/providers/errors.js';
import { endpointKey } from '../../src/routing/health.js';
import { OPENAI_OWNED } from '../../src/providers/options.js';
import type { ChatCall, ChatEvent, ProviderAdapter } from '../../src/providers/types.js';
import type { Candidate } from '../../src/routing/types.js';
import { model } from '../helpers/models.js';

type Script = Array<ChatEvent | UpstreamError>;

/**
 * An adapter that plays one script per call, in order, each event its own batch; an
 * UpstreamError entry is thrown.
 */
function scripted(...calls: Script[]): ProviderAdapter & { calls: number } {
  const a = {
    ownedOptions: OPENAI_OWNED,
    calls: 0,
    async *chatBatches(_call: ChatCall) {
      const script = calls[a.calls++] ?? [];
      for (const step of script) {
        if (step instanceof UpstreamError) throw step;
        yield [step];
      }
    },
    embed: async () => ({ vectors: [], usage: { inputTokens: 0 } }),
    listModels: async () => [],
  };
  return a;
}

const text = (t: string): ChatEvent => ({ type: 'delta', text: t });
const usage: ChatEvent = { type: 'usage', usage: { inputTokens: 10, outputTokens: 2, cachedInputTokens: 0, reasoningTokens: 0 } };
const stop: ChatEvent = { type: 'finish', reason: 'stop' };
const cand = (provider: string, id: string): Candidate => ({
  provider,
  model: model(id),
  estimate: { inputTokens: 10, maxOutputTokens: 10, inputCost: 0n, maxCost: 0n, tokenizer: 't' },
});

function deps(adapters: Record<string, ProviderAdapter>, slept: number[] = []): ExecutorDeps {
  // A fake clock that only a sleep moves: a retry-after's cool-down has passed once waited.
  let clock = 0;
  return {
    adapterFor: (id) => adapters[id],
    breakers: new BreakerRegistry(undefined, () => clock),
    retry: { ...DEFAULT_RETRY, maxAttemptsPerCandidate: 2 },
    random: () => 0.5,
    now: () => clock,
    sleep: async (ms) => {
      slept.push(ms);
      clock += ms;
    },
  };
}

async function collect(gen: AsyncIterable<ExecEvent>): Promise<ExecEvent[]> {
  const out: ExecEvent[] = [];
  for await (const e of gen) out.push(e);
  return out;
}

const prepare = () => ({ call: { messages: [], options: {}, tools: [] }, dropped: [] });
const never = new AbortController().signal;
const kinds = (evs: ExecEvent[]) => evs.map((e) => (e.type === 'finish' ? `finish:${e.reason}` : e.type));

describe('executeChat', () => {
  it('streams route → deltas → usage → finish from the first candidate', async () => {
    const a = scripted([text('he'), text('llo'), usage, stop]);
    const evs = await collect(executeChat([cand('a', 'a/m')], prepare, never, deps({ a })));
    expect(kinds(evs)).toEqual(['route', 'delta', 'delta', 'usage', 'finish:stop']);
  });

  it('retries a retryable error on the same candidate, honouring retry-after', async () => {
    const slept: number[] = [];
    const a = scripted([new UpstreamError('rate_limited', '429', { retryAfterMs: 1500 })], [text('ok'), stop]);
    const evs = await collect(executeChat([cand('a', 'a/m')], prepare, never, deps({ a }, slept)));
    expect(kinds(evs)).toEqual(['route', 'attempt_failed', 'route', 'delta', 'finish:stop']);
    expect(slept).toEqual([1500]);
    expect(evs[1]).toMatchObject({ retrying: true, attempt: 1 });
  });

  it('falls back to the next candidate after retries, with attempt_failed events', async () => {
    const a = scripted([new UpstreamError('server_error', '500')], [new UpstreamError('overloaded', '529')]);
    const b = scripted([text('from b'), stop]);
    const evs = await collect(executeChat([cand('a', 'a/m'), cand('b', 'b/m')], prepare, never, deps({ a, b })));
    expect(kinds(evs)).toEqual(['route', 'attempt_failed', 'route', 'attempt_failed', 'route', 'delta', 'finish:stop']);
    expect(evs.filter((e) => e.type === 'route').map((e) => (e as { provider: string }).provider)).toEqual(['a', 'a', 'b']);
  });

  it('never fails over after content reached the caller: finish ERROR, usage kept', async () => {
    const a = scripted([text('partial'), usage, new UpstreamError('stream_interrupted', 'reset')]);
    const b = scripted([text('never'), stop]);
    const evs = await collect(executeChat([cand('a', 'a/m'), cand('b', 'b/m')], prepare, never, deps({ a, b })));
    expect(kinds(evs)).toEqual(['route', 'delta', 'usage', 'finish:error']);
    expect(evs.at(-1)).toMatchObject({ error: { kind: 'stream_interrupted' } });
    expect(b.calls).toBe(0);
  });

  it('does not retry or fall back on bad_request', async () => {
    const a = scripted([new UpstreamError('bad_request', 'bad')]);
    const b = scripted([stop]);
    const evs = await collect(executeChat([cand('a', 'a/m'), cand('b', 'b/m')], prepare, never, deps({ a, b })));
    expect(kinds(evs)).toEqual(['route', 'attempt_failed', 'finish:error']);
    expect(evs[1]).toMatchObject({ retrying: false });
  });

  it('a retry-after beyond the cap moves on to the next candidate', async () => {
    const slept: number[] = [];
    const a = scripted([new UpstreamError('rate_limited', '429', { retryAfterMs: 60_000 })]);
    const b = scripted([stop]);
    const evs = await collect(executeChat([cand('a', 'a/m'), cand('b', 'b/m')], prepare, never, deps({ a, b }, slept)));
    expect(kinds(evs)).toEqual(['route', 'attempt_failed', 'route', 'finish:stop']);
    expect(slept).toEqual([]);
  });

  it('a stream that ends without finish is interrupted, and the last error ends the call', async () => {
    const a = scripted([], []);
    const evs = await collect(executeChat([cand('a', 'a/m')], prepare, never, deps({ a })));
    expect(evs.at(-1)).toMatchObject({ type: 'finish', reason: 'error', error: { kind: 'stream_interrupted' } });
    expect(evs.filter((e) => e.type === 'finish')).toHaveLength(1);
  });

  it('a cancelled call ends with finish CANCELLED', async () => {
    const ac = new AbortController();
    const a: ProviderAdapter = {
      ownedOptions: OPENAI_OWNED,
      async *chatBatches(c) {
        yield [text('x')];
        ac.abort();
        throw c.signal.reason ?? new Error('aborted');
      },
      embed: async () => ({ vectors: [], usage: { inputTokens: 0 } }),
      listModels: async () => [],
    };
    const evs = await collect(executeChat([cand('a', 'a/m')], prepare, ac.signal, deps({ a })));
    expect(kinds(evs)).toEqual(['route', 'delta', 'finish:cancelled']);
  });

  it("carries an adapter's batches through as batches (usage tagged, held for its place before finish)", async () => {
    const a: ProviderAdapter = {
      ownedOptions: OPENAI_OWNED,
      async *chatBatches() {
        yield [text('a')];
        yield [text('b'), text('c')];
        yield [usage, text('d'), stop];
      },
      embed: async () => ({ vectors: [], usage: { inputTokens: 0 } }),
      listModels: async () => [],
    };
    const batches: ExecEvent[][] = [];
    for await (const b of executeChatBatches([cand('a', 'a/m')], prepare, never, deps({ a }))) batches.push(b);
    expect(batches.map(kinds)).toEqual([['route'], ['delta'], ['delta', 'delta'], ['delta', 'usage', 'finish:stop']]);
    expect(batches[3]![1]).toMatchObject({ type: 'usage', provider: 'a', model: 'a/m' });
  });

  it('skips an endpoint whose circuit is open', async () => {
    const d = deps({ a: scripted(), b: scripted([stop]) });
    for (let i = 0; i < 5; i++) d.breakers.failure(endpointKey('a', 'a/m'));
    const evs = await collect(executeChat([cand('a', 'a/m'), cand('b', 'b/m')], prepare, never, d));
    expect(kinds(evs)).toEqual(['route', 'finish:stop']);
  });

  it('backoff is exponential with full jitter and capped', () => {
    const p = { ...DEFAULT_RETRY, baseBackoffMs: 100, maxBackoffMs: 1000 };
    expect(backoffMs(1, p, () => 0.999)).toBe(99);
    expect(backoffMs(3, p, () => 0.999)).toBe(399);
    expect(backoffMs(10, p, () => 0.999)).toBe(999);
    expect(backoffMs(3, p, () => 0)).toBe(0);
  });
});

describe('BreakerRegistry', () => {
  it('opens after consecutive failures, probes once after the cooldown, closes on success', () => {
    let now = 0;
    const r = new BreakerRegistry({ consecutiveFailures: 3, errorRate: 1, windowSize: 10, minSamples: 10, cooldownMs: 1000 }, () => now);
    for (let i = 0; i < 3; i++) r.failure('x');
    expect(r.state('x')).toBe('open');
    expect(r.tryAcquire('x')).toBe(false);
    now = 1000;
    expect(r.state('x')).toBe('half_open');
    expect(r.tryAcquire('x')).toBe(true);
    expect(r.tryAcquire('x')).toBe(false); // one probe at a time
    r.success('x');
    expect(r.state('x')).toBe('closed');
  });

  it('opens on error rate over the window', () => {
    const r = new BreakerRegistry({ consecutiveFailures: 100, errorRate: 0.5, windowSize: 10, minSamples: 10, cooldownMs: 1000 }, () => 0);
    for (let i = 0; i < 10; i++) i % 2 ? r.failure('y') : r.success('y');
    expect(r.state('y')).toBe('open');
  });

  it('a failed probe re-opens', () => {
    let now = 0;
    const r = new BreakerRegistry({ consecutiveFailures: 1, errorRate: 1, windowSize: 10, minSamples: 10, cooldownMs: 10 }, () => now);
    r.failure('z');
    now = 10;
    expect(r.tryAcquire('z')).toBe(true);
    r.failure('z');
    expect(r.state('z')).toBe('open');
  });
});
