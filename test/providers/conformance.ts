// The adapter conformance suite, shared by every provider.
//
// CONTRACT for a provider that plugs in (test/providers/<name>.test.ts):
//
//   runConformance({
//     name: 'anthropic',
//     makeAdapter: (baseUrl, timeouts) => createAnthropicAdapter({ id: 'anthropic', kind: 'anthropic',
//       baseUrl, apiKey: new Secret('sk-test'), timeouts }),
//     fake: myFake,             // implements ConformanceFake below
//     overloadedStatus: 529,    // optional: the status this provider uses for "overloaded" (default 503)
//   });
//
// The fake is a node:http server speaking the provider's real wire format. `arrange(scenario)`
// prepares the response to ONE upcoming chat call and returns the model name the suite must put
// in ChatCall.model to get it (so a fake can pick scenarios by model, even from a URL path).
// It must honour `chunkSizes` (body write sizes, cycled), and `closed()` must resolve when the
// server sees the connection of the most recent request close. What the suite then requires:
//   text          deltas concatenate to `text` exactly (multi-byte chars survive any split);
//                 one usage {inputTokens, outputTokens} before one finish 'stop', finish last.
//   tool_calls    two parallel calls: fragments grouped by index rebuild id, name, arguments.
//   http_error    400 bad_request, 401 auth, 404 not_found, 429 rate_limited with retryAfterMs
//                 from `retry-after` seconds, 500 server_error, overloadedStatus overloaded.
//   stream_error  an in-stream error event after some text → UpstreamError (not a clean end),
//                 whose message contains the scenario's message.
//   reset         connection reset mid-body → UpstreamError('stream_interrupted').
//   slow_headers  headers later than timeouts.firstByteMs → UpstreamError('timeout').
//   malformed     a malformed JSON payload in the stream → UpstreamError('stream_interrupted').
//   empty         200 with an empty body → UpstreamError('stream_interrupted').
//   hang          some text then silence: aborting the call's signal throws the signal's reason
//                 and the fake sees the socket close promptly.
//   cut_after_terminal   the stream's terminal information arrived (Anthropic message_delta
//                 with its stop reason, OpenAI finish_reason + usage chunk, Gemini the chunk
//                 with finishReason + usageMetadata, Ollama the done line with done_reason and
//                 the eval counts), then the closing part never did: `cut: 'eof'` the body
//                 ends cleanly before it (no message_stop, no [DONE]; Gemini, which has no
//                 closing marker, ends as usual; Ollama's done line lacks its newline),
//                 `cut: 'reset'` the connection is reset instead of the body ending →
//                 the text, that finish ('stop') and the reported usage, no error.
//   cut_before_terminal  some text, then the body ends ('eof') or the connection is reset
//                 ('reset') before any terminal information → stream_interrupted, no finish.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chatEvents } from '../../src/providers/batches.js';
import { UpstreamError } from '../../src/providers/errors.js';
import { closeUpstreamPools } from '../../src/providers/http.js';
import type { ChatCall, ChatEvent, ProviderAdapter, Timeouts, Usage } from '../../src/providers/types.js';

export type ConformanceScenario =
  | { type: 'text'; text: string; usage: { inputTokens: number; outputTokens: number } }
  | { type: 'tool_calls'; calls: { id: string; name: string; argumentsJson: string }[] }
  | { type: 'http_error'; status: number; message: string; retryAfterSeconds?: number }
  | { type: 'stream_error'; text: string; message: string }
  | { type: 'reset'; text: string }
  | { type: 'slow_headers'; delayMs: number }
  | { type: 'malformed' }
  | { type: 'empty' }
  | { type: 'hang'; text: string }
  | { type: 'cut_after_terminal'; text: string; usage: { inputTokens: number; outputTokens: number }; cut: 'eof' | 'reset' }
  | { type: 'cut_before_terminal'; text: string; cut: 'eof' | 'reset' };

export interface ConformanceFake {
  /** Starts the server; resolves to the base URL the adapter is built with. */
  start(): Promise<string>;
  stop(): Promise<void>;
  arrange(scenario: ConformanceScenario, opts?: { chunkSizes?: number[] }): string;
  closed(): Promise<void>;
}

export interface ConformanceTarget {
  name: string;
  makeAdapter(baseUrl: string, timeouts: Timeouts): ProviderAdapter;
  fake: ConformanceFake;
  overloadedStatus?: number;
}

const TIMEOUTS: Timeouts = { connectMs: 2_000, firstByteMs: 2_000, idleMs: 2_000 };

export function chatCall(model: string, signal: AbortSignal = new AbortController().signal): ChatCall {
  return {
    model,
    messages: [{ role: 'user', content: 'Hi', parts: [], toolCalls: [] }],
    options: {},
    tools: [],
    signal,
  };
}

export async function collect(stream: AsyncIterable<ChatEvent>): Promise<ChatEvent[]> {
  const out: ChatEvent[] = [];
  for await (const e of stream) out.push(e);
  return out;
}

/** Runs a stream to its end; returns the events seen and the error it ended with, if any. */
export async function settle(stream: AsyncIterable<ChatEvent>): Promise<{ events: ChatEvent[]; error?: unknown }> {
  const events: ChatEvent[] = [];
  try {
    for await (const e of stream) events.push(e);
    return { events };
  } catch (error) {
    return { events, error };
  }
}

export function textOf(events: ChatEvent[]): string {
  return events.map((e) => (e.type === 'delta' ? e.text : '')).join('');
}

export function toolCallsOf(events: ChatEvent[]): { id?: string; name?: string; argumentsJson: string }[] {
  const calls: { id?: string; name?: string; argumentsJson: string }[] = [];
  for (const e of events) {
    if (e.type !== 'tool_call') continue;
    const c = (calls[e.index] ??= { argumentsJson: '' });
    if (e.id !== undefined) c.id = e.id;
    if (e.name !== undefined) c.name = e.name;
    c.argumentsJson += e.argumentsDelta;
  }
  return calls;
}

/** The ordering rule of types.ts: deltas/tool calls, ≤1 usage, exactly one finish, last. */
export function expectWellOrdered(events: ChatEvent[]): void {
  const finishes = events.filter((e) => e.type === 'finish');
  expect(finishes).toHaveLength(1);
  expect(events.at(-1)?.type).toBe('finish');
  const usages = events.map((e, i) => (e.type === 'usage' ? i : -1)).filter((i) => i >= 0);
  expect(usages.length).toBeLessThanOrEqual(1);
  if (usages[0] !== undefined) expect(usages[0]).toBe(events.length - 2);
}

async function expectUpstreamError(p: Promise<unknown>, kind: string): Promise<UpstreamError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(UpstreamError);
  expect((err as UpstreamError).kind).toBe(kind);
  return err as UpstreamError;
}

export function runConformance(target: ConformanceTarget): void {
  describe(`${target.name} conformance`, () => {
    let baseUrl = '';
    const adapter = (t: Timeouts = TIMEOUTS): ProviderAdapter => target.makeAdapter(baseUrl, t);
    beforeAll(async () => {
      baseUrl = await target.fake.start();
    });
    afterAll(async () => {
      await closeUpstreamPools();
      await target.fake.stop();
    });

    const TEXT = 'Héllo, wörld — 世界 👋🏽 done.';
    for (const chunkSizes of [undefined, [1], [2, 3], [7, 1, 13]]) {
      it(`streams text (chunks ${chunkSizes?.join(',') ?? 'whole'})`, async () => {
        const model = target.fake.arrange(
          { type: 'text', text: TEXT, usage: { inputTokens: 11, outputTokens: 7 } },
          chunkSizes ? { chunkSizes } : {},
        );
        const events = await collect(chatEvents(adapter(), chatCall(model)));
        expect(textOf(events)).toBe(TEXT);
        expectWellOrdered(events);
        const usage = events.find((e) => e.type === 'usage') as { usage: Usage } | undefined;
        expect(usage?.usage.inputTokens).toBe(11);
        expect(usage?.usage.outputTokens).toBe(7);
        expect(events.at(-1)).toEqual({ type: 'finish', reason: 'stop' });
      });
    }

    it('streams two parallel tool calls', async () => {
      const calls = [
        { id: 'call_a1', name: 'get_weather', argumentsJson: '{"city":"Paris, FR"}' },
        { id: 'call_b2', name: 'get_time', argumentsJson: '{"tz":"Europe/Paris","fmt":"24h"}' },
      ];
      const model = target.fake.arrange({ type: 'tool_calls', calls }, { chunkSizes: [5, 11] });
      const events = await collect(chatEvents(adapter(), chatCall(model)));
      expectWellOrdered(events);
      expect(toolCallsOf(events)).toEqual(calls);
      expect(events.at(-1)).toEqual({ type: 'finish', reason: 'tool_calls' });
    });

    const overloaded = target.overloadedStatus ?? 503;
    const cases: [number, string][] = [
      [400, 'bad_request'],
      [401, 'auth'],
      [404, 'not_found'],
      [429, 'rate_limited'],
      [500, 'server_error'],
      [overloaded, 'overloaded'],
    ];
    for (const [status, kind] of cases) {
      it(`HTTP ${status} → ${kind}`, async () => {
        const message = `fake says ${status}`;
        const retry = status === 429 ? { retryAfterSeconds: 7 } : {};
        const model = target.fake.arrange({ type: 'http_error', status, message, ...retry });
        const err = await expectUpstreamError(collect(chatEvents(adapter(), chatCall(model))), kind);
        expect(err.details.status).toBe(status);
        expect(err.message).toContain(message);
        if (status === 429) expect(err.details.retryAfterMs).toBe(7000);
      });
    }

    it('in-stream error event → UpstreamError', async () => {
      const model = target.fake.arrange({ type: 'stream_error', text: 'partial', message: 'fake mid-stream failure' });
      const { events, error } = await settle(chatEvents(adapter(), chatCall(model)));
      expect(error).toBeInstanceOf(UpstreamError);
      expect((error as UpstreamError).message).toContain('fake mid-stream failure');
      expect(events.some((e) => e.type === 'finish')).toBe(false);
    });

    it('connection reset mid-stream → stream_interrupted', async () => {
      const model = target.fake.arrange({ type: 'reset', text: 'cut short' });
      await expectUpstreamError(collect(chatEvents(adapter(), chatCall(model))), 'stream_interrupted');
    });

    it('first byte slower than the timeout → timeout', async () => {
      const model = target.fake.arrange({ type: 'slow_headers', delayMs: 1_500 });
      const started = Date.now();
      await expectUpstreamError(collect(chatEvents(adapter({ ...TIMEOUTS, firstByteMs: 200 }), chatCall(model))), 'timeout');
      expect(Date.now() - started).toBeLessThan(1_200);
    });

    it('malformed JSON in the stream → stream_interrupted', async () => {
      const model = target.fake.arrange({ type: 'malformed' });
      await expectUpstreamError(collect(chatEvents(adapter(), chatCall(model))), 'stream_interrupted');
    });

    it('empty stream → stream_interrupted', async () => {
      const model = target.fake.arrange({ type: 'empty' });
      await expectUpstreamError(collect(chatEvents(adapter(), chatCall(model))), 'stream_interrupted');
    });

    // Issue 12 §9: terminal states read as the official SDKs read them. The closing marker
    // carries nothing the caller needs once the finish reason and usage are in.
    for (const cut of ['eof', 'reset'] as const) {
      it(`terminal information, then the closing part cut (${cut}) → that finish and the reported usage`, async () => {
        const model = target.fake.arrange(
          { type: 'cut_after_terminal', text: TEXT, usage: { inputTokens: 13, outputTokens: 8 }, cut },
          { chunkSizes: [5, 1, 9] },
        );
        const { events, error } = await settle(chatEvents(adapter(), chatCall(model)));
        expect(error).toBeUndefined();
        expect(textOf(events)).toBe(TEXT);
        expectWellOrdered(events);
        const usage = events.find((e) => e.type === 'usage') as { usage: Usage } | undefined;
        expect(usage?.usage.inputTokens).toBe(13);
        expect(usage?.usage.outputTokens).toBe(8);
        expect(events.at(-1)).toEqual({ type: 'finish', reason: 'stop' });
      });

      it(`cut (${cut}) before any terminal information → stream_interrupted`, async () => {
        const model = target.fake.arrange({ type: 'cut_before_terminal', text: TEXT, cut }, { chunkSizes: [5, 1, 9] });
        const { events, error } = await settle(chatEvents(adapter(), chatCall(model)));
        expect(error).toBeInstanceOf(UpstreamError);
        expect((error as UpstreamError).kind).toBe('stream_interrupted');
        expect(events.some((e) => e.type === 'finish' || e.type === 'usage')).toBe(false);
      });
    }

    it('abort closes the upstream socket promptly', async () => {
      const model = target.fake.arrange({ type: 'hang', text: 'thinking' });
      const ac = new AbortController();
      const reason = new Error('caller went away');
      const events: ChatEvent[] = [];
      let caught: unknown;
      try {
        for await (const e of chatEvents(adapter(), chatCall(model, ac.signal))) {
          events.push(e);
          if (e.type === 'delta') ac.abort(reason);
        }
      } catch (e) {
        caught = e;
      }
      expect(caught).toBe(reason);
      const closedIn = await Promise.race([
        target.fake.closed().then(() => 'closed'),
        new Promise((r) => setTimeout(() => r('still open'), 1_000)),
      ]);
      expect(closedIn).toBe('closed');
    });
  });
}
