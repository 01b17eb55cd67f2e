// Proves the fake is faithful: the official `openai` SDK, as a client of the fake, decodes the
// same streams (recorded and generated, split at odd byte boundaries) to the same content as
// our adapter does.
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Secret } from '../../src/config/secret.js';
import { chatEvents } from '../../src/providers/batches.js';
import { closeUpstreamPools } from '../../src/providers/http.js';
import { createOpenAiAdapter } from '../../src/providers/openai/adapter.js';
import { OpenAiFake } from '../fakes/openai.js';
import { chatCall, collect, textOf, toolCallsOf } from './conformance.js';

async function viaSdk(
  client: OpenAI,
  model: string,
): Promise<{ text: string; calls: { id?: string; name?: string; argumentsJson: string }[]; finish?: string | null }> {
  const stream = await client.chat.completions.create({ model, stream: true, messages: [{ role: 'user', content: 'Hi' }] });
  let text = '';
  let finish: string | null | undefined;
  const calls: { id?: string; name?: string; argumentsJson: string }[] = [];
  for await (const chunk of stream) {
    const c = chunk.choices[0];
    if (!c) continue;
    text += c.delta.content ?? '';
    for (const t of c.delta.tool_calls ?? []) {
      const acc = (calls[t.index] ??= { argumentsJson: '' });
      if (t.id) acc.id = t.id;
      if (t.function?.name) acc.name = t.function.name;
      acc.argumentsJson += t.function?.arguments ?? '';
    }
    finish = c.finish_reason ?? finish;
  }
  return { text, calls, finish };
}

for (const options of [
  { chunkSizes: [1, 4, 2, 9] },
  { chunkSizes: [3], crlf: true },
  { flavor: 'openrouter' as const, chunkSizes: [5, 2] },
]) {
  describe(`openai SDK vs adapter on the fake (${JSON.stringify(options)})`, () => {
    const fake = new OpenAiFake(options);
    let base = '';
    let client: OpenAI;
    beforeAll(async () => {
      base = await fake.start();
      client = new OpenAI({ baseURL: `${base}/v1`, apiKey: 'sk-test', maxRetries: 0 });
    });
    afterAll(async () => {
      await closeUpstreamPools();
      await fake.stop();
    });
    const adapter = () =>
      createOpenAiAdapter({
        id: 'openai',
        kind: 'openai',
        baseUrl: `${base}/v1`,
        apiKey: new Secret('sk-test'),
        timeouts: { connectMs: 2000, firstByteMs: 5000, idleMs: 5000 },
      });

    const recorded = [
      '038a5c69c34c9513021b52aa61661f4f5bea321c0aac9e164f2ed3e409aebc48.bin',
      '453df473e96274dd8ab61ab4d13dfcc25dc2f57a5e05eb5cc46c70b51d8845c2.bin',
      'dae1b261f19722801adc82a13181772c3010c10b37e8af3996fbdbbecb3c32a2.bin',
      '69363a555f8ea9b6eee0bb022af0afcd22d4f0e85418ab38ee24d2a570a84ff0.bin',
    ];
    const models = (): string[] => [
      ...(options.flavor ? [] : recorded.map((f) => `recorded:${f}`)),
      fake.arrange(
        { type: 'text', text: 'Grüße, 世界 🎉 — fin.', usage: { inputTokens: 3, outputTokens: 9 } },
        { chunkSizes: options.chunkSizes },
      ),
      fake.arrange(
        {
          type: 'tool_calls',
          calls: [
            { id: 'call_1', name: 'a', argumentsJson: '{"x":"é"}' },
            { id: 'call_2', name: 'b', argumentsJson: '{"y":[1,2]}' },
          ],
        },
        { chunkSizes: options.chunkSizes },
      ),
    ];

    it('decodes text and tool calls identically', async () => {
      for (const model of models()) {
        const sdk = await viaSdk(client, model);
        const events = await collect(chatEvents(adapter(), chatCall(model)));
        expect(textOf(events)).toBe(sdk.text);
        expect(toolCallsOf(events)).toEqual(sdk.calls);
        const finish = events.at(-1);
        expect(finish?.type).toBe('finish');
        if (sdk.finish !== 'stop' || sdk.calls.length === 0) expect(finish).toEqual({ type: 'finish', reason: sdk.finish });
      }
    });

    it('SDK sees the same HTTP errors', async () => {
      const model = fake.arrange({ type: 'http_error', status: 429, message: 'Rate limit reached', retryAfterSeconds: 1 });
      const err = await client.chat.completions
        .create({ model, stream: true, messages: [{ role: 'user', content: 'Hi' }] })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(OpenAI.APIError);
      expect((err as InstanceType<typeof OpenAI.APIError>).status).toBe(429);
      expect((err as Error).message).toContain('Rate limit reached');
    });
  });
}
