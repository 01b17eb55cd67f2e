// POST /v1/embeddings and GET /v1/models[/{id}] end to end with the official `openai` SDK.
import OpenAI, { type APIError } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lastUpstreamBody, startOpenAiEnv, type OpenAiEnv } from './openai-fixtures.js';

let env: OpenAiEnv;
beforeAll(async () => {
  env = await startOpenAiEnv();
}, 60_000);
afterAll(async () => {
  await env?.stop();
});

/** What the fake upstream returns for `text` (test/fakes/openai.ts): (length + d) / 100. */
const expected = (text: string, dims: number) => Array.from({ length: dims }, (_, d) => (text.length + d) / 100);

describe('embeddings with the openai SDK', () => {
  it('decodes the base64 vectors the SDK asks for by default, in input order, with dimensions', async () => {
    const { data, response } = await env.client.embeddings
      .create({ model: 'oai/embed', input: ['a', 'longer text'], dimensions: 4 })
      .withResponse();
    expect(lastUpstreamBody(env.upstream, 'text-embedding-3-small').dimensions).toBe(4);
    expect(data.model).toBe('oai/embed');
    expect(data.data.map((d) => d.index)).toEqual([0, 1]);
    data.data.forEach((d, i) => {
      const want = expected(['a', 'longer text'][i]!, 4);
      expect(d.embedding).toHaveLength(4);
      // Base64 carries float32: equal to float32 precision.
      for (const [j, x] of d.embedding.entries()) expect(x).toBeCloseTo(want[j]!, 6);
    });
    expect(data.usage.prompt_tokens).toBeGreaterThan(0);
    expect(response.headers.get('x-switchyard-decision-id')).toMatch(/\S/);
  });

  it('answers float arrays when asked for floats', async () => {
    const r = await env.client.embeddings.create({ model: 'oai/embed', input: 'hello', encoding_format: 'float' });
    expect(r.data[0]!.embedding).toEqual(expected('hello', 3));
  });

  it('refuses token arrays and an unknown encoding with a 400 naming the field', async () => {
    const err = await env.client.embeddings.create({ model: 'oai/embed', input: [[1, 2, 3]], encoding_format: 'float' }).then(
      () => undefined,
      (e: unknown) => e as APIError,
    );
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect(err?.param).toBe('input');
  });
});

describe('models with the openai SDK', () => {
  it('lists aliases and catalog models', async () => {
    const ids: string[] = [];
    for await (const m of env.client.models.list()) ids.push(m.id);
    expect(ids).toEqual(expect.arrayContaining(['chatty', 'oai/text', 'oai/embed', 'openai/gpt-4o']));
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('retrieves a model id (with its slash), a bare upstream name and an alias', async () => {
    const byId = await env.client.models.retrieve('oai/text');
    expect(byId).toMatchObject({ id: 'oai/text', object: 'model', owned_by: expect.any(String) });
    const bare = await env.client.models.retrieve('gpt-4o');
    expect((bare as unknown as { switchyard: { model: string } }).switchyard.model).toBe('openai/gpt-4o');
    const alias = await env.client.models.retrieve('chatty');
    expect((alias as unknown as { switchyard: { model: string } }).switchyard.model).toBe('oai/text');
  });

  it('404 in OpenAI shape for an unknown model', async () => {
    const err = await env.client.models.retrieve('nope/nothing').then(
      () => undefined,
      (e: unknown) => e as APIError,
    );
    expect(err).toBeInstanceOf(OpenAI.NotFoundError);
    expect(err?.code).toBe('MODEL_NOT_FOUND');
  });
});
