// Hugging Face: chat through the router's OpenAI-compatible surface (the OpenAI fake, the shared
// conformance suite), embeddings against a fake TEI server.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Secret } from '../../src/config/secret.js';
import { chatEvents } from '../../src/providers/batches.js';
import { closeUpstreamPools } from '../../src/providers/http.js';
import { createHuggingFaceAdapter } from '../../src/providers/huggingface/adapter.js';
import { embedPath, teiHttpError } from '../../src/providers/huggingface/map.js';
import type { ProviderAdapter, Timeouts } from '../../src/providers/types.js';
import { startFakeTei, teiVector, type FakeTei } from '../fakes/tei.js';
import { OpenAiFake } from '../fakes/openai.js';
import { chatCall, collect, runConformance, textOf } from './conformance.js';

const TIMEOUTS: Timeouts = { connectMs: 2_000, firstByteMs: 2_000, idleMs: 2_000 };
const make = (baseUrl: string, timeouts = TIMEOUTS): ProviderAdapter =>
  createHuggingFaceAdapter({ id: 'hf', kind: 'huggingface', baseUrl, apiKey: new Secret('hf_test_token'), timeouts });

const chatFake = new OpenAiFake();
runConformance({ name: 'huggingface router chat', makeAdapter: make, fake: chatFake });

describe('huggingface router chat', () => {
  const fake = new OpenAiFake();
  let url = '';
  beforeAll(async () => {
    url = await fake.start();
  });
  afterAll(async () => {
    await closeUpstreamPools();
    await fake.stop();
  });

  it('POSTs {base}/v1/chat/completions with the HF token as a bearer', async () => {
    const model = fake.arrange({ type: 'text', text: 'hi there', usage: { inputTokens: 1, outputTokens: 2 } });
    const events = await collect(chatEvents(make(url), { ...chatCall(model), options: { topK: 5, temperature: 0.5 } }));
    expect(textOf(events)).toBe('hi there');
    const req = fake.requests.at(-1)!;
    expect(req.path).toBe('/v1/chat/completions');
    expect(req.headers['authorization']).toBe('Bearer hf_test_token');
    expect(req.body).toMatchObject({ model, stream: true, temperature: 0.5 });
    // top_k is not part of the OpenAI wire the router forwards.
    expect(req.body).not.toHaveProperty('top_k');
  });
});

describe('huggingface TEI embeddings', () => {
  let tei: FakeTei;
  let adapter: ProviderAdapter;
  const signal = (): AbortSignal => new AbortController().signal;
  beforeAll(async () => {
    tei = await startFakeTei(32);
    adapter = make(tei.url);
  });
  afterAll(async () => {
    await closeUpstreamPools();
    await tei.close();
  });

  it('POSTs /embed {inputs}, split at 32 per call, order preserved', async () => {
    const inputs = Array.from({ length: 70 }, (_, i) => `doc ${i} — é`);
    const before = tei.requests.length;
    const res = await adapter.embed({ model: 'BAAI/bge-small-en-v1.5', inputs, signal: signal() });
    const sent = tei.requests.slice(before);
    expect(sent.every((r) => r.path === '/embed' && r.headers['authorization'] === 'Bearer hf_test_token')).toBe(true);
    expect(sent.map((r) => (r.body as { inputs: string[] }).inputs.length).sort((a, b) => a - b)).toEqual([6, 32, 32]);
    expect(res.vectors).toEqual(inputs.map((t) => teiVector(t)));
  });

  it('sends dimensions when asked', async () => {
    await adapter.embed({ model: 'm', inputs: ['a'], dimensions: 2, signal: signal() });
    expect(tei.last.body).toEqual({ inputs: ['a'], dimensions: 2 });
  });

  it('classifies TEI errors by error_type', async () => {
    const reply = (status: number, error: string, error_type: string) => ({
      status,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ error, error_type }),
    });
    tei.enqueue(reply(429, 'Model is overloaded', 'Overloaded'));
    await expect(adapter.embed({ model: 'm', inputs: ['a'], signal: signal() })).rejects.toMatchObject({
      kind: 'overloaded',
      details: { upstreamCode: 'Overloaded' },
    });
    tei.enqueue(reply(424, 'inference failed', 'Backend'));
    await expect(adapter.embed({ model: 'm', inputs: ['a'], signal: signal() })).rejects.toMatchObject({ kind: 'server_error' });
    tei.enqueue(reply(413, 'Input validation error: `inputs` must have less than 512 tokens. Given: 600', 'Validation'));
    await expect(adapter.embed({ model: 'm', inputs: ['a'], signal: signal() })).rejects.toMatchObject({ kind: 'context_length_exceeded' });
    expect(teiHttpError(413, {}, '{"error":"batch size 40 > maximum allowed batch size 32","error_type":"Validation"}', 'hf').kind).toBe(
      'bad_request',
    );
  });

  it('lists the served model from /info', async () => {
    expect(await adapter.listModels(signal())).toEqual(['BAAI/bge-small-en-v1.5']);
  });

  it('on the router, embeddings use the feature-extraction pipeline', () => {
    expect(embedPath('https://router.huggingface.co', 'BAAI/bge-large-en-v1.5')).toBe(
      '/hf-inference/models/BAAI/bge-large-en-v1.5/pipeline/feature-extraction',
    );
    expect(embedPath('http://tei:8080', 'BAAI/bge-large-en-v1.5')).toBe('/embed');
  });
});
