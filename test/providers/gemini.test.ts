// The Gemini adapter against a fake Gemini API: the shared conformance suite, then what is
// specific to Gemini (header auth, recordings replayed byte-split, Status errors, embeddings
// batching, model listing).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Secret } from '../../src/config/secret.js';
import { chatEvents } from '../../src/providers/batches.js';
import { UpstreamError } from '../../src/providers/errors.js';
import { createGeminiAdapter } from '../../src/providers/gemini/adapter.js';
import { closeUpstreamPools } from '../../src/providers/http.js';
import type { ProviderAdapter, Timeouts } from '../../src/providers/types.js';
import {
  geminiChunks,
  geminiConformanceFake,
  geminiErrors,
  geminiVector,
  loadGeminiRecordings,
  startFakeGemini,
  streamReply,
  type FakeGemini,
} from '../fakes/gemini.js';
import { chatCall, collect, expectWellOrdered, runConformance, settle, textOf, toolCallsOf } from './conformance.js';

const TIMEOUTS: Timeouts = { connectMs: 2_000, firstByteMs: 2_000, idleMs: 2_000 };
const KEY = 'AIza-test-key-123';

runConformance({
  name: 'gemini',
  makeAdapter: (baseUrl, timeouts) => createGeminiAdapter({ id: 'gemini', kind: 'gemini', baseUrl, apiKey: new Secret(KEY), timeouts }),
  fake: geminiConformanceFake(),
});

describe('gemini adapter', () => {
  let fake: FakeGemini;
  let adapter: ProviderAdapter;
  beforeAll(async () => {
    fake = await startFakeGemini();
    adapter = createGeminiAdapter({ id: 'gemini', kind: 'gemini', baseUrl: fake.url, apiKey: new Secret(KEY), timeouts: TIMEOUTS });
  });
  afterAll(async () => {
    await closeUpstreamPools();
    await fake.close();
  });

  it('POSTs :streamGenerateContent?alt=sse with the key in x-goog-api-key, never in the URL', async () => {
    const events = await collect(chatEvents(adapter, chatCall('gemini-2.5-flash')));
    expect(textOf(events)).toBe('Hello, world!');
    expectWellOrdered(events);
    expect(fake.last.method).toBe('POST');
    expect(fake.last.path).toBe('/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse');
    expect(fake.last.headers['x-goog-api-key']).toBe(KEY);
    expect(fake.last.path).not.toContain(KEY);
    expect(fake.last.body).toEqual({ contents: [{ role: 'user', parts: [{ text: 'Hi' }] }] });
  });

  for (const chunkSizes of [[1], [3, 1, 4, 1, 5, 9]]) {
    it(`replays every recorded stream split into ${chunkSizes.join(',')}-byte writes, LF and CRLF framing`, async () => {
      for (const rec of loadGeminiRecordings()) {
        for (const eol of ['\r\n', '\n']) {
          fake.enqueue({ ...streamReply(rec.chunks, { eol }), chunkSizes });
          const events = await collect(chatEvents(adapter, chatCall('gemini-2.0-flash')));
          expectWellOrdered(events);
          const expectedText = rec.chunks
            .flatMap((c) => ((c['candidates'] as any[])[0].content.parts as any[]).map((p) => p.text ?? ''))
            .join('');
          expect(textOf(events)).toBe(expectedText);
          const last = rec.chunks.at(-1)!['usageMetadata'] as { promptTokenCount: number; candidatesTokenCount: number };
          expect(events.find((e) => e.type === 'usage')).toMatchObject({
            usage: { inputTokens: last.promptTokenCount, outputTokens: last.candidatesTokenCount },
          });
        }
      }
    });
  }

  it('two parallel function calls without ids get stable generated ids', async () => {
    fake.enqueue({ ...streamReply(geminiChunks.twoCalls()), chunkSizes: [2] });
    const events = await collect(chatEvents(adapter, chatCall('gemini-2.5-flash')));
    expect(toolCallsOf(events)).toEqual([
      { id: 'call_resp-calls-1_0', name: 'get_weather', argumentsJson: '{"city":"Paris"}' },
      { id: 'call_resp-calls-1_1', name: 'get_weather', argumentsJson: '{"city":"Tōkyō"}' },
    ]);
    expect(events.at(-1)).toEqual({ type: 'finish', reason: 'tool_calls' });
  });

  it('thought summaries stream as reasoning; usage counts thoughts as output', async () => {
    fake.enqueue({ ...streamReply(geminiChunks.thinking()), chunkSizes: [1] });
    const events = await collect(chatEvents(adapter, chatCall('gemini-2.5-flash')));
    expect(events).toEqual([
      { type: 'delta', text: '', reasoning: 'Let me think…' },
      { type: 'delta', text: 'Done: 42 ✓' },
      { type: 'usage', usage: { inputTokens: 5, outputTokens: 24, cachedInputTokens: 2, reasoningTokens: 20 } },
      { type: 'finish', reason: 'stop' },
    ]);
  });

  const errorCases: [string, () => ReturnType<typeof geminiErrors.badKey>, string, number?][] = [
    ['400 INVALID_ARGUMENT', geminiErrors.badRequest, 'bad_request'],
    ['400 API_KEY_INVALID', geminiErrors.badKey, 'auth'],
    ['400 token count', geminiErrors.contextLength, 'context_length_exceeded'],
    ['401 UNAUTHENTICATED', geminiErrors.unauthenticated, 'auth'],
    ['403 PERMISSION_DENIED', geminiErrors.permissionDenied, 'auth'],
    ['404 NOT_FOUND', () => geminiErrors.notFound(), 'not_found'],
    ['429 RESOURCE_EXHAUSTED', () => geminiErrors.rateLimited('13s'), 'rate_limited', 13_000],
    ['500 INTERNAL', geminiErrors.internal, 'server_error'],
    ['503 UNAVAILABLE', geminiErrors.overloaded, 'overloaded'],
  ];
  for (const [label, plan, kind, retryAfterMs] of errorCases) {
    it(`${label} → ${kind}`, async () => {
      fake.enqueue({ ...plan(), chunkSizes: [7] });
      const { error } = await settle(chatEvents(adapter, chatCall('gemini-2.5-flash')));
      expect(error).toBeInstanceOf(UpstreamError);
      expect((error as UpstreamError).kind).toBe(kind);
      expect((error as UpstreamError).details.retryAfterMs).toBe(retryAfterMs);
      expect((error as UpstreamError).message).not.toContain(KEY);
    });
  }

  it('a bare Status JSON mid-stream (no data: prefix) is classified, after the text before it', async () => {
    fake.enqueue({ ...geminiErrors.inStream(), chunkSizes: [5] });
    const { events, error } = await settle(chatEvents(adapter, chatCall('gemini-2.5-flash')));
    expect(textOf(events)).toBe('Hel');
    expect(error).toMatchObject({ kind: 'server_error', message: 'Internal error' });
  });

  it('a stream that is only a bare Status JSON is that error; an echoed key is redacted', async () => {
    fake.enqueue({
      status: 200,
      headers: { 'content-type': 'text/event-stream' },
      body: JSON.stringify({ error: { code: 429, status: 'RESOURCE_EXHAUSTED', message: `quota for ${KEY}` } }),
    });
    const { events, error } = await settle(chatEvents(adapter, chatCall('gemini-2.5-flash')));
    expect(events).toEqual([]);
    expect(error).toMatchObject({ kind: 'rate_limited', message: 'quota for [redacted]' });
  });

  it('sends no key header when the endpoint has none (and the API refuses)', async () => {
    const anon = createGeminiAdapter({ id: 'gemini', kind: 'gemini', baseUrl: fake.url, timeouts: TIMEOUTS });
    const { error } = await settle(chatEvents(anon, chatCall('gemini-2.5-flash')));
    expect(fake.last.headers['x-goog-api-key']).toBeUndefined();
    expect(error).toMatchObject({ kind: 'auth' });
  });

  it('embeds one input with :embedContent and outputDimensionality', async () => {
    const res = await adapter.embed({
      model: 'text-embedding-004',
      inputs: ['héllo'],
      dimensions: 4,
      signal: new AbortController().signal,
    });
    expect(fake.last.path).toBe('/v1beta/models/text-embedding-004:embedContent');
    expect(fake.last.body).toEqual({
      model: 'models/text-embedding-004',
      content: { parts: [{ text: 'héllo' }] },
      outputDimensionality: 4,
    });
    expect(res.vectors).toEqual([geminiVector('héllo', 4)]);
  });

  it('embeds many inputs with :batchEmbedContents, 100 per call, order preserved', async () => {
    const inputs = Array.from({ length: 250 }, (_, i) => `text ${i}`);
    const before = fake.requests.length;
    const res = await adapter.embed({ model: 'models/text-embedding-004', inputs, signal: new AbortController().signal });
    const sent = fake.requests.slice(before);
    expect(sent.map((r) => r.path)).toEqual(Array(3).fill('/v1beta/models/text-embedding-004:batchEmbedContents'));
    expect(sent.map((r) => (r.body as { requests: unknown[] }).requests.length).sort()).toEqual([100, 100, 50]);
    expect(res.vectors).toEqual(inputs.map((t) => geminiVector(t)));
  });

  it('embed errors are classified', async () => {
    fake.enqueue(geminiErrors.rateLimited('2s'));
    const err = await adapter
      .embed({ model: 'text-embedding-004', inputs: ['a'], signal: new AbortController().signal })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: 'rate_limited', details: { retryAfterMs: 2000 } });
  });

  it('lists models without the models/ prefix', async () => {
    expect(await adapter.listModels(new AbortController().signal)).toEqual(['gemini-2.5-flash', 'text-embedding-004']);
    expect(fake.last.path).toMatch(/^\/v1beta\/models\?pageSize=1000$/);
    expect(fake.last.headers['x-goog-api-key']).toBe(KEY);
  });
});
