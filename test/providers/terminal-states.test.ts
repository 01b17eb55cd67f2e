// Issue 12 §9, grounded in the official SDKs: a stream whose terminal information arrived
// but whose closing part was cut reads as complete to the provider's own SDK, so the adapter
// finishes it with that reason and the reported usage; a stream cut before any terminal
// information is stream_interrupted. Each SDK below is a client of the same fake, served the
// same bytes as the adapter (the conformance suite checks the adapters on every fake).
//
// SSE framing: an event whose terminating blank line never came is dropped at EOF, as the
// WHATWG rules say and as the SDKs' decoders do (@anthropic-ai/sdk and openai drop it;
// @google/genai throws "Incomplete JSON segment at the end"). The recorded Anthropic stream,
// whose last event (message_stop) lacks the blank line, is still complete: not because
// message_stop is read, but because message_delta already carried the stop reason and the
// output tokens. The Python SDK, whose test fixture it is, asserts exactly that: its events end
// at message_delta and get_final_message() has stop_reason end_turn. The TypeScript SDK's
// stream ends just as cleanly, with the same message snapshot; only its MessageStream
// finalMessage() helper insists on message_stop (asserted below, so an SDK change shows).
import Anthropic from '@anthropic-ai/sdk';
import { GoogleGenAI } from '@google/genai';
import { Ollama } from 'ollama';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Secret } from '../../src/config/secret.js';
import { createAnthropicAdapter } from '../../src/providers/anthropic/adapter.js';
import { chatEvents } from '../../src/providers/batches.js';
import { UpstreamError } from '../../src/providers/errors.js';
import { createGeminiAdapter } from '../../src/providers/gemini/adapter.js';
import { closeUpstreamPools } from '../../src/providers/http.js';
import { createOllamaAdapter } from '../../src/providers/ollama/adapter.js';
import { createOpenAiAdapter } from '../../src/providers/openai/adapter.js';
import type { ChatEvent, Timeouts } from '../../src/providers/types.js';
import { startAnthropicFake, type AnthropicFake } from '../fakes/anthropic.js';
import { fixtureStream } from '../fakes/anthropic-scenarios.js';
import { geminiConformancePlan, startFakeGemini, type FakeGemini } from '../fakes/gemini.js';
import { ollamaConformancePlan, startFakeOllama, type FakeOllama } from '../fakes/ollama.js';
import { OpenAiFake } from '../fakes/openai.js';
import { chatCall, settle, textOf } from './conformance.js';

const T: Timeouts = { connectMs: 2_000, firstByteMs: 5_000, idleMs: 5_000 };
const TEXT = 'Grüße, 世界 🎉 — fin.';
const USAGE = { inputTokens: 13, outputTokens: 8 };

function usageOf(events: ChatEvent[]): { inputTokens: number; outputTokens: number } | undefined {
  const u = events.find((e) => e.type === 'usage');
  return u?.type === 'usage' ? { inputTokens: u.usage.inputTokens, outputTokens: u.usage.outputTokens } : undefined;
}

async function rejection(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => undefined,
    (e: unknown) => e,
  );
}

function expectInterrupted(r: { events: ChatEvent[]; error?: unknown }): void {
  expect(r.error).toBeInstanceOf(UpstreamError);
  expect((r.error as UpstreamError).kind).toBe('stream_interrupted');
  expect(r.events.some((e) => e.type === 'finish' || e.type === 'usage')).toBe(false);
}

describe('anthropic: terminal states as @anthropic-ai/sdk reads them', () => {
  let fake: AnthropicFake;
  let sdk: Anthropic;
  const adapter = () =>
    createAnthropicAdapter({ id: 'anthropic', kind: 'anthropic', baseUrl: fake.url, apiKey: new Secret('sk-ant-test'), timeouts: T });
  beforeAll(async () => {
    fake = await startAnthropicFake({ chunk: 7 });
    sdk = new Anthropic({ apiKey: 'sk-ant-test', baseURL: fake.url, maxRetries: 0 });
  });
  afterAll(async () => {
    await closeUpstreamPools();
    await fake.close();
  });

  const params = (model: string) => ({ model, max_tokens: 100, messages: [{ role: 'user' as const, content: 'Hi' }] });

  /** The SDK's message as of the stream's last event; the stream must end without an error. */
  async function sdkMessage(model: string): Promise<Anthropic.Message> {
    const stream = sdk.messages.stream(params(model));
    let snapshot: Anthropic.Message | undefined;
    stream.on('streamEvent', (_event, s) => {
      snapshot = s;
    });
    await stream.done();
    if (!snapshot) throw new Error('the SDK saw no message');
    return snapshot;
  }

  it('basic_response.txt byte for byte (message_stop without its blank line): the SDK and the adapter read it complete', async () => {
    // The fixture really is served unrepaired: its last byte closes the message_stop JSON.
    expect(fixtureStream('basic_response').endsWith('{"type":"message_stop"}')).toBe(true);
    // The SDK's decoder drops the unterminated message_stop; the stream ends at message_delta.
    const seen: string[] = [];
    for await (const ev of await sdk.messages.create({ ...params('basic_response'), stream: true })) seen.push(ev.type);
    expect(seen.at(-1)).toBe('message_delta');
    expect(seen).not.toContain('message_stop');
    // ... with the whole message: stop reason and final usage.
    const m = await sdkMessage('basic_response');
    expect(m.stop_reason).toBe('end_turn');
    expect(m.usage).toMatchObject({ input_tokens: 11, output_tokens: 6 });
    expect(String(await rejection(sdk.messages.stream(params('basic_response')).finalMessage()))).toContain(
      'stream ended without producing a Message',
    );

    const ours = await settle(chatEvents(adapter(), chatCall('basic_response')));
    expect(ours.error).toBeUndefined();
    expect(textOf(ours.events)).toBe('Hello there!');
    expect(usageOf(ours.events)).toEqual({ inputTokens: 11, outputTokens: 6 });
    expect(ours.events.at(-1)).toEqual({ type: 'finish', reason: 'stop' });
  });

  it('body ending right after message_delta: complete for the SDK, finish + usage for the adapter', async () => {
    const m = await sdkMessage('no_message_stop');
    expect(m.stop_reason).toBe('end_turn');
    const ours = await settle(chatEvents(adapter(), chatCall('no_message_stop')));
    expect(ours.error).toBeUndefined();
    expect(textOf(ours.events)).toBe(m.content.map((b) => (b.type === 'text' ? b.text : '')).join(''));
    expect(usageOf(ours.events)?.outputTokens).toBe(m.usage.output_tokens);
    expect(ours.events.at(-1)).toEqual({ type: 'finish', reason: 'stop' });
  });

  it('connection reset after message_delta: the adapter still finishes with its stop reason and usage', async () => {
    const ours = await settle(chatEvents(adapter(), chatCall('reset_after_stop_reason')));
    expect(ours.error).toBeUndefined();
    expect(usageOf(ours.events)).toEqual({ inputTokens: 20, outputTokens: 9 });
    expect(ours.events.at(-1)).toEqual({ type: 'finish', reason: 'stop' });
  });

  it('body ending before message_delta: the SDK has no stop reason, the adapter says stream_interrupted', async () => {
    const m = await sdkMessage('truncated');
    expect(m.stop_reason).toBeNull();
    expectInterrupted(await settle(chatEvents(adapter(), chatCall('truncated'))));
  });
});

describe('openai: terminal states as the openai SDK reads them', () => {
  const fake = new OpenAiFake({ chunkSizes: [4, 1, 7] });
  let client: OpenAI;
  const adapter = () =>
    createOpenAiAdapter({ id: 'openai', kind: 'openai', baseUrl: client.baseURL, apiKey: new Secret('sk'), timeouts: T });
  beforeAll(async () => {
    client = new OpenAI({ baseURL: `${await fake.start()}/v1`, apiKey: 'sk', maxRetries: 0 });
  });
  afterAll(async () => {
    await closeUpstreamPools();
    await fake.stop();
  });
  const final = (model: string) =>
    client.chat.completions
      .stream({ model, messages: [{ role: 'user', content: 'Hi' }], stream_options: { include_usage: true } })
      .finalChatCompletion();

  it('finish_reason + usage chunk, no [DONE]: a complete completion for the SDK, finish + usage for the adapter', async () => {
    const model = fake.arrange({ type: 'cut_after_terminal', text: TEXT, usage: USAGE, cut: 'eof' });
    const c = await final(model);
    expect(c.choices[0]?.finish_reason).toBe('stop');
    expect(c.choices[0]?.message.content).toBe(TEXT);
    expect(c.usage).toMatchObject({ prompt_tokens: 13, completion_tokens: 8 });
    const ours = await settle(chatEvents(adapter(), chatCall(model)));
    expect(ours.error).toBeUndefined();
    expect(textOf(ours.events)).toBe(TEXT);
    expect(usageOf(ours.events)).toEqual(USAGE);
    expect(ours.events.at(-1)).toEqual({ type: 'finish', reason: 'stop' });
  });

  it('cut before finish_reason: the SDK throws "missing finish_reason", the adapter says stream_interrupted', async () => {
    const model = fake.arrange({ type: 'cut_before_terminal', text: TEXT, cut: 'eof' });
    expect(String(await rejection(final(model)))).toContain('missing finish_reason');
    expectInterrupted(await settle(chatEvents(adapter(), chatCall(model))));
  });
});

describe('gemini: terminal states as @google/genai reads them', () => {
  let fake: FakeGemini;
  let ai: GoogleGenAI;
  const adapter = () => createGeminiAdapter({ id: 'gemini', kind: 'gemini', baseUrl: fake.url, apiKey: new Secret('k'), timeouts: T });
  beforeAll(async () => {
    fake = await startFakeGemini();
    ai = new GoogleGenAI({ apiKey: 'k', httpOptions: { baseUrl: fake.url } });
  });
  afterAll(async () => {
    await closeUpstreamPools();
    await fake.close();
  });
  const sdkChunks = async () => {
    const out: { finishReason?: string; usage?: unknown }[] = [];
    for await (const c of await ai.models.generateContentStream({ model: 'gemini-2.5-flash', contents: 'Hi' })) {
      out.push({ finishReason: c.candidates?.[0]?.finishReason, usage: c.usageMetadata });
    }
    return out;
  };

  it('last chunk with finishReason and usageMetadata, body ends: complete for both', async () => {
    const plan = geminiConformancePlan({ type: 'cut_after_terminal', text: TEXT, usage: USAGE, cut: 'eof' });
    fake.enqueue({ ...plan, chunkSizes: [3, 8] });
    expect((await sdkChunks()).at(-1)).toMatchObject({ finishReason: 'STOP', usage: { promptTokenCount: 13, candidatesTokenCount: 8 } });
    fake.enqueue({ ...plan, chunkSizes: [3, 8] });
    const ours = await settle(chatEvents(adapter(), chatCall('gemini-2.5-flash')));
    expect(ours.error).toBeUndefined();
    expect(usageOf(ours.events)).toEqual(USAGE);
    expect(ours.events.at(-1)).toEqual({ type: 'finish', reason: 'stop' });
  });

  it('the finishReason chunk without its closing blank line: the SDK throws, the adapter says stream_interrupted', async () => {
    // Only the terminator of the last event is missing; its data line is whole. Neither the SDK
    // nor the SSE rules accept an unterminated event, so the terminal information never arrived.
    const plan = geminiConformancePlan({ type: 'cut_after_terminal', text: TEXT, usage: USAGE, cut: 'eof' });
    const body = (plan.body as string).replace(/\r\n$/, '');
    expect(body.endsWith('}\r\n')).toBe(true);
    fake.enqueue({ ...plan, body });
    expect(String(await rejection(sdkChunks()))).toContain('Incomplete JSON segment at the end');
    fake.enqueue({ ...plan, body });
    expectInterrupted(await settle(chatEvents(adapter(), chatCall('gemini-2.5-flash'))));
  });

  it('no chunk with a finishReason: the SDK ends without one, the adapter says stream_interrupted', async () => {
    const plan = geminiConformancePlan({ type: 'cut_before_terminal', text: TEXT, cut: 'eof' });
    fake.enqueue(plan);
    expect((await sdkChunks()).some((c) => c.finishReason !== undefined)).toBe(false);
    fake.enqueue(plan);
    expectInterrupted(await settle(chatEvents(adapter(), chatCall('gemini-2.5-flash'))));
  });
});

describe('ollama: terminal states as the ollama package reads them', () => {
  let fake: FakeOllama;
  let client: Ollama;
  const adapter = () => createOllamaAdapter({ id: 'ollama', kind: 'ollama', baseUrl: fake.url, timeouts: T });
  beforeAll(async () => {
    fake = await startFakeOllama();
    client = new Ollama({ host: fake.url });
  });
  afterAll(async () => {
    await closeUpstreamPools();
    await fake.close();
  });
  const sdkParts = async () => {
    const parts: { done?: boolean; done_reason?: string; prompt_eval_count?: number; eval_count?: number }[] = [];
    for await (const p of await client.chat({ model: 'llama3.2:latest', messages: [{ role: 'user', content: 'Hi' }], stream: true }))
      parts.push(p);
    return parts;
  };

  for (const cut of ['eof', 'reset'] as const) {
    it(`done line (${cut === 'eof' ? 'without its newline' : 'then a connection reset'}): complete for both`, async () => {
      const plan = ollamaConformancePlan({ type: 'cut_after_terminal', text: TEXT, usage: USAGE, cut });
      fake.enqueue(plan);
      expect((await sdkParts()).at(-1)).toMatchObject({ done: true, done_reason: 'stop', prompt_eval_count: 13, eval_count: 8 });
      fake.enqueue(plan);
      const ours = await settle(chatEvents(adapter(), chatCall('llama3.2:latest')));
      expect(ours.error).toBeUndefined();
      expect(textOf(ours.events)).toBe(TEXT);
      expect(usageOf(ours.events)).toEqual(USAGE);
      expect(ours.events.at(-1)).toEqual({ type: 'finish', reason: 'stop' });
    });
  }

  it('no done line: the SDK throws, the adapter says stream_interrupted', async () => {
    const plan = ollamaConformancePlan({ type: 'cut_before_terminal', text: TEXT, cut: 'eof' });
    fake.enqueue(plan);
    expect(String(await rejection(sdkParts()))).toContain('Did not receive done');
    fake.enqueue(plan);
    expectInterrupted(await settle(chatEvents(adapter(), chatCall('llama3.2:latest'))));
  });
});
