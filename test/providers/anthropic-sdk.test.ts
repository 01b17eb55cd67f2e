// The fake is faithful: the official @anthropic-ai/sdk, as a client of the fake, decodes every
// stream scenario to the same text, thinking, tool inputs and usage as our adapter does, and
// sees the same errors (status, error type, in-stream error event).
import Anthropic, { APIError } from '@anthropic-ai/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Secret } from '../../src/config/secret.js';
import { createAnthropicAdapter } from '../../src/providers/anthropic/adapter.js';
import { chatEvents } from '../../src/providers/batches.js';
import { UpstreamError } from '../../src/providers/errors.js';
import { closeUpstreamPools } from '../../src/providers/http.js';
import { DEFAULT_TIMEOUTS, type ProviderAdapter } from '../../src/providers/types.js';
import { startAnthropicFake, type AnthropicFake } from '../fakes/anthropic.js';
import { chatCall, collect, textOf, toolCallsOf } from './conformance.js';

let fake: AnthropicFake;
let sdk: Anthropic;
let adapter: ProviderAdapter;

beforeAll(async () => {
  fake = await startAnthropicFake();
  sdk = new Anthropic({ apiKey: 'sk-ant-test', baseURL: fake.url, maxRetries: 0 });
  adapter = createAnthropicAdapter({
    id: 'anthropic',
    kind: 'anthropic',
    baseUrl: fake.url,
    apiKey: new Secret('sk-ant-test'),
    timeouts: DEFAULT_TIMEOUTS,
  });
});
afterAll(async () => {
  await closeUpstreamPools();
  await fake.close();
});

interface Decoded {
  text: string;
  reasoning: string;
  tools: { id: string; name: string; input: unknown }[];
  inputTokens: number;
  outputTokens: number;
}

async function viaSdk(scenario: string, framing: Record<string, string>): Promise<Decoded & { stop: string | null }> {
  const stream = sdk.messages.stream(
    { model: scenario, max_tokens: 100, messages: [{ role: 'user', content: 'Hi' }] },
    { headers: framing },
  );
  // The message as of the last event the SDK decoded, not finalMessage(): the recorded fixtures
  // are served as stored, with a message_stop that lacks its closing blank line, which the
  // SDK's decoder drops (and finalMessage() in this SDK wants message_stop). The stream still
  // ends cleanly with the whole message, as the Python SDK's own test of the fixture asserts.
  let snapshot: Anthropic.Message | undefined;
  stream.on('streamEvent', (_event, s) => {
    snapshot = s;
  });
  await stream.done();
  if (!snapshot) throw new Error('the SDK saw no message');
  const m = snapshot;
  const u = m.usage;
  return {
    text: m.content.map((b) => (b.type === 'text' ? b.text : '')).join(''),
    reasoning: m.content.map((b) => (b.type === 'thinking' ? b.thinking : '')).join(''),
    tools: m.content.flatMap((b) => (b.type === 'tool_use' ? [{ id: b.id, name: b.name, input: b.input }] : [])),
    inputTokens: u.input_tokens + (u.cache_creation_input_tokens ?? 0) + (u.cache_read_input_tokens ?? 0),
    outputTokens: u.output_tokens,
    stop: m.stop_reason,
  };
}

async function viaAdapter(scenario: string): Promise<Decoded & { finish: string | undefined }> {
  const events = await collect(chatEvents(adapter, chatCall(scenario)));
  const usage = events.find((e) => e.type === 'usage');
  const finish = events.at(-1);
  return {
    text: textOf(events),
    reasoning: events.map((e) => (e.type === 'delta' ? (e.reasoning ?? '') : '')).join(''),
    tools: toolCallsOf(events).map((c) => ({ id: c.id ?? '', name: c.name ?? '', input: JSON.parse(c.argumentsJson) as unknown })),
    inputTokens: usage?.type === 'usage' ? usage.usage.inputTokens : -1,
    outputTokens: usage?.type === 'usage' ? usage.usage.outputTokens : -1,
    finish: finish?.type === 'finish' ? finish.reason : undefined,
  };
}

const FINISH: Record<string, string> = { end_turn: 'stop', tool_use: 'tool_calls', max_tokens: 'length', refusal: 'content_filter' };

describe('the official SDK and the adapter decode the fake identically', () => {
  const scenarios = [
    'basic_response',
    'tool_use_response',
    'text',
    'parallel_tools',
    'thinking',
    'max_tokens',
    'refusal',
    'no_message_stop',
  ];
  const framings = [
    { chunk: 0, crlf: false },
    { chunk: 1, crlf: false },
    { chunk: 5, crlf: true },
    { chunk: 13, crlf: false },
  ];
  for (const scenario of scenarios) {
    it(scenario, async () => {
      for (const f of framings) {
        fake.framing = { ...fake.framing, chunk: f.chunk, crlf: f.crlf, seed: f.chunk + 1 };
        const headers = { 'x-fake-chunk': String(f.chunk), 'x-fake-crlf': f.crlf ? '1' : '0', 'x-fake-seed': String(f.chunk + 1) };
        const { stop, ...theirs } = await viaSdk(scenario, headers);
        const { finish, ...ours } = await viaAdapter(scenario);
        expect(ours).toEqual(theirs);
        expect(finish).toBe(FINISH[stop ?? '']);
        expect(theirs.text.length + theirs.tools.length).toBeGreaterThan(0);
      }
    });
  }
});

describe('the official SDK sees the fake errors as the real API', () => {
  async function sdkError(scenario: string): Promise<APIError> {
    const err = await sdk.messages
      .create({ model: scenario, max_tokens: 10, messages: [{ role: 'user', content: 'Hi' }], stream: true })
      .then(async (s) => {
        for await (const _ of s) void _;
      })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(err).toBeInstanceOf(APIError);
    return err as APIError;
  }
  async function ourError(scenario: string): Promise<UpstreamError> {
    const err = await collect(chatEvents(adapter, chatCall(scenario))).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(UpstreamError);
    return err as UpstreamError;
  }

  it.each([
    ['error_400', 400, 'invalid_request_error', 'bad_request'],
    ['prompt_too_long', 400, 'invalid_request_error', 'context_length_exceeded'],
    ['error_401', 401, 'authentication_error', 'auth'],
    ['error_403', 403, 'permission_error', 'auth'],
    ['error_404', 404, 'not_found_error', 'not_found'],
    ['error_413', 413, 'request_too_large', 'context_length_exceeded'],
    ['error_429', 429, 'rate_limit_error', 'rate_limited'],
    ['error_500', 500, 'api_error', 'server_error'],
    ['error_529', 529, 'overloaded_error', 'overloaded'],
  ])('%s: HTTP %i %s → %s', async (scenario, status, type, kind) => {
    const theirs = await sdkError(scenario);
    expect(theirs.status).toBe(status);
    expect(theirs.type).toBe(type);
    const ours = await ourError(scenario);
    expect(ours.kind).toBe(kind);
    expect(ours.details).toMatchObject({ status, upstreamCode: type, provider: 'anthropic' });
    expect(ours.message).toBe(theirs.apiMessage);
    if (status === 429) {
      expect(theirs.headers?.get('retry-after')).toBe('7');
      expect(ours.details.retryAfterMs).toBe(7000);
    }
  });

  it('in-stream error event: the SDK throws the error type, we classify it', async () => {
    const theirs = await sdkError('stream_error');
    expect(theirs.type).toBe('overloaded_error');
    const ours = await ourError('stream_error');
    expect(ours.kind).toBe('overloaded');
    expect(ours.details.upstreamCode).toBe('overloaded_error');
  });
});
