// Issue 12 §2–3: breakers per endpoint, client failures never counted, a rate limit's
// retry-after as a cool-down, failures inside Switchyard never treated as upstream ones, the
// call's own error reported over a circuit it opened, and a hung attempt cut in time for the
// next candidate.
import { describe, expect, it } from 'vitest';
import { UpstreamError } from '../../src/providers/errors.js';
import { OPENAI_OWNED } from '../../src/providers/options.js';
import type { ChatCall, ChatEvent, ProviderAdapter } from '../../src/providers/types.js';
import { firstTokenLimitMs } from '../../src/routing/attempt-timing.js';
import { BreakerRegistry, DEFAULT_BREAKER } from '../../src/routing/breaker.js';
import { DEFAULT_RETRY, executeChat, type ExecEvent, type ExecutorDeps } from '../../src/routing/executor.js';
import { endpointKey } from '../../src/routing/health.js';
import type { Candidate } from '../../src/routing/types.js';
import { model } from '../helpers/models.js';

type Step = ChatEvent | Error | 'hang';

/** Plays one script per call; an Error is thrown; 'hang' waits for the attempt's signal. */
function scripted(...calls: Step[][]): ProviderAdapter & { calls: number; seen: ChatCall[] } {
  const a = {
    ownedOptions: OPENAI_OWNED,
    calls: 0,
    seen: [] as ChatCall[],
    async *chatBatches(call: ChatCall) {
      a.seen.push(call);
      const script = calls[a.calls++] ?? [];
      for (const step of script) {
        if (step === 'hang') {
          await new Promise((_, reject) => {
            if (call.signal.aborted) reject(call.signal.reason);
            call.signal.addEventListener('abort', () => reject(call.signal.reason), { once: true });
          });
        } else if (step instanceof Error) throw step;
        else yield [step];
      }
    },
    embed: async () => ({ vectors: [], usage: { inputTokens: 0 } }),
    listModels: async () => [],
  };
  return a;
}

const stop: ChatEvent = { type: 'finish', reason: 'stop' };
const text = (t: string): ChatEvent => ({ type: 'delta', text: t });
const cand = (provider: string, id: string): Candidate => ({
  provider,
  model: model(id),
  estimate: { inputTokens: 10, maxOutputTokens: 10, inputCost: 0n, maxCost: 0n, tokenizer: 't' },
});

function deps(adapters: Record<string, ProviderAdapter>, attempts = 2, breakerOpts = DEFAULT_BREAKER) {
  const clock = { t: 0 };
  const d: ExecutorDeps = {
    adapterFor: (id) => adapters[id],
    breakers: new BreakerRegistry(breakerOpts, () => clock.t),
    retry: { ...DEFAULT_RETRY, maxAttemptsPerCandidate: attempts },
    random: () => 0,
    now: () => clock.t,
    sleep: async (ms) => {
      clock.t += ms;
    },
  };
  return { d, clock };
}

async function collect(gen: AsyncIterable<ExecEvent>): Promise<ExecEvent[]> {
  const out: ExecEvent[] = [];
  for await (const e of gen) out.push(e);
  return out;
}
const prepare = () => ({ call: { messages: [], options: {}, tools: [] }, dropped: [] });
const never = new AbortController().signal;
const last = (evs: ExecEvent[]) => evs.at(-1) as Extract<ExecEvent, { type: 'finish' }>;
const routes = (evs: ExecEvent[]) => evs.flatMap((e) => (e.type === 'route' ? [`${e.provider}:${e.model}`] : []));

describe('breakers per endpoint', () => {
  it("one model's failures open its circuit only, not the provider's other models", async () => {
    const a = scripted(...Array.from({ length: 5 }, () => [new UpstreamError('rate_limited', '429')]), [stop]);
    const { d } = deps({ a }, 1);
    for (let i = 0; i < 5; i++) await collect(executeChat([cand('a', 'a/one')], prepare, never, d));
    expect(d.breakers.state(endpointKey('a', 'a/one'))).toBe('open');
    expect(d.breakers.state(endpointKey('a', 'a/two'))).toBe('closed');
    const evs = await collect(executeChat([cand('a', 'a/two')], prepare, never, d));
    expect(last(evs).reason).toBe('stop');
  });

  it('client-caused failures (400, 401, content filter) never count', async () => {
    const kinds = ['bad_request', 'auth', 'content_filtered'] as const;
    const a = scripted(...Array.from({ length: 12 }, (_, i) => [new UpstreamError(kinds[i % 3]!, 'client')]));
    const { d } = deps({ a }, 1, { ...DEFAULT_BREAKER, consecutiveFailures: 1 });
    for (let i = 0; i < 12; i++) await collect(executeChat([cand('a', 'a/m')], prepare, never, d));
    expect(d.breakers.snapshot().size).toBe(0);
  });

  it("a 429's retry-after cools that endpoint down (skipped until then), without counting a failure", async () => {
    const a = scripted([new UpstreamError('rate_limited', '429', { retryAfterMs: 60_000 })], [stop]);
    const b = scripted([stop], [stop]);
    const { d, clock } = deps({ a, b }, 1);
    await collect(executeChat([cand('a', 'a/m'), cand('b', 'b/m')], prepare, never, d));
    expect(d.breakers.state(endpointKey('a', 'a/m'))).toBe('open');
    // Another call meanwhile goes straight to the next candidate.
    const evs = await collect(executeChat([cand('a', 'a/m'), cand('b', 'b/m')], prepare, never, d));
    expect(routes(evs)).toEqual(['b:b/m']);
    clock.t += 60_000;
    expect(d.breakers.state(endpointKey('a', 'a/m'))).toBe('closed');
    expect(routes(await collect(executeChat([cand('a', 'a/m')], prepare, never, d)))).toEqual(['a:a/m']);
  });

  it('a call reports its own failure (500), not the circuit it opened', async () => {
    const a = scripted([new UpstreamError('server_error', '500')]);
    const { d } = deps({ a }, 2, { ...DEFAULT_BREAKER, consecutiveFailures: 1 });
    const evs = await collect(executeChat([cand('a', 'a/m')], prepare, never, d));
    expect(last(evs).error).toMatchObject({ kind: 'server_error', message: '500' });
  });
});

describe('failures inside Switchyard', () => {
  it('are a bad request: no retry, no fallback, not counted, never a connection error', async () => {
    const a = scripted([new RangeError('Maximum call stack size exceeded')]);
    const b = scripted([stop]);
    const { d } = deps({ a, b }, 2, { ...DEFAULT_BREAKER, consecutiveFailures: 1 });
    const evs = await collect(executeChat([cand('a', 'a/m'), cand('b', 'b/m')], prepare, never, d));
    expect(last(evs).error?.kind).toBe('bad_request');
    expect(last(evs).error?.message).toContain('Maximum call stack size exceeded');
    expect(a.calls).toBe(1);
    expect(b.calls).toBe(0);
    expect(d.breakers.snapshot().size).toBe(0);
  });
});

describe('failover within the deadline', () => {
  it('cuts a hung attempt at its share of the deadline and goes to the next candidate, not the same one', async () => {
    const a = scripted(['hang'], [stop]);
    const b = scripted([text('from b'), stop]);
    const { d } = deps({ a, b }, 2);
    const evs = await collect(executeChat([cand('a', 'a/m'), cand('b', 'b/m')], prepare, never, d, 100));
    expect(routes(evs)).toEqual(['a:a/m', 'b:b/m']);
    expect(evs.find((e) => e.type === 'attempt_failed')).toMatchObject({ error: { kind: 'timeout' }, retrying: true });
    expect(last(evs).reason).toBe('stop');
    expect(a.calls).toBe(1);
  });

  it('a caller that cancels a hung attempt is cancelled, not a timeout', async () => {
    const ac = new AbortController();
    const a = scripted(['hang']);
    const { d } = deps({ a, b: scripted([stop]) });
    const gen = executeChat([cand('a', 'a/m'), cand('b', 'b/m')], prepare, ac.signal, d);
    const first = await gen.next();
    expect(first.value).toMatchObject({ type: 'route', provider: 'a' });
    const rest = collect({ [Symbol.asyncIterator]: () => gen });
    ac.abort();
    expect(last(await rest).reason).toBe('cancelled');
    expect(d.breakers.snapshot().size).toBe(0);
  });

  it('first-token limits: a share of the remaining deadline, bounded by the observed time to first token', () => {
    const t = { ttftFactor: 4, floorMs: 3_000 };
    // The last candidate keeps the whole deadline.
    expect(firstTokenLimitMs({ remainingMs: 2_000, candidatesLeft: 1, ttftMs: 100 }, t)).toBeUndefined();
    expect(firstTokenLimitMs({ remainingMs: 2_000, candidatesLeft: 2, ttftMs: 0 }, t)).toBe(1_000);
    expect(firstTokenLimitMs({ remainingMs: 90_000, candidatesLeft: 2, ttftMs: 0 }, t)).toBe(45_000);
    expect(firstTokenLimitMs({ remainingMs: 90_000, candidatesLeft: 2, ttftMs: 100 }, t)).toBe(3_000);
    expect(firstTokenLimitMs({ remainingMs: 90_000, candidatesLeft: 3, ttftMs: 5_000 }, t)).toBe(20_000);
    expect(firstTokenLimitMs({ remainingMs: undefined, candidatesLeft: 2, ttftMs: 0 }, t)).toBeUndefined();
    expect(firstTokenLimitMs({ remainingMs: undefined, candidatesLeft: 2, ttftMs: 2_000 }, t)).toBe(8_000);
  });
});
