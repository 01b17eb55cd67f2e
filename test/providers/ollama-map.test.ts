// Pure mapping for Ollama's native API: request bodies, NDJSON decoding, errors, /api/show.
import { describe, expect, it } from 'vitest';
import { UpstreamError } from '../../src/providers/errors.js';
import { OllamaStreamDecoder, ollamaHttpError, toModelInfo, toOllamaRequest } from '../../src/providers/ollama/map.js';
import type { ChatCall, ChatMessage } from '../../src/providers/types.js';
import { ollamaLines } from '../fakes/ollama.js';

const msg = (role: ChatMessage['role'], content: string, extra: Partial<ChatMessage> = {}): ChatMessage => ({
  role,
  content,
  parts: [],
  toolCalls: [],
  ...extra,
});
const call = (over: Partial<ChatCall>): ChatCall => ({
  model: 'llama3.2',
  messages: [msg('user', 'Hi')],
  options: {},
  tools: [],
  signal: new AbortController().signal,
  ...over,
});
const WEATHER = { name: 'get_weather', description: 'Weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } };

describe('toOllamaRequest', () => {
  it('maps messages, images, tool calls and tool results', () => {
    const body = toOllamaRequest(
      call({
        messages: [
          msg('system', 'Be brief.'),
          msg('user', 'What is this?', {
            parts: [
              { type: 'image', data: new Uint8Array([1, 2, 3]) },
              { type: 'image', url: 'data:image/png;base64,iVBORw0KGgo=' },
            ],
          }),
          msg('assistant', '', { toolCalls: [{ id: 'call_1', name: 'get_weather', argumentsJson: '{"city":"Tokyo"}' }] }),
          msg('tool', '11 degrees celsius', { toolCallId: 'call_1' }),
        ],
        tools: [WEATHER],
      }),
    );
    expect(body).toEqual({
      model: 'llama3.2',
      stream: true,
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'What is this?', images: ['AQID', 'iVBORw0KGgo='] },
        { role: 'assistant', content: '', tool_calls: [{ id: 'call_1', function: { name: 'get_weather', arguments: { city: 'Tokyo' } } }] },
        { role: 'tool', content: '11 degrees celsius', tool_name: 'get_weather', tool_call_id: 'call_1' },
      ],
      tools: [{ type: 'function', function: WEATHER }],
    });
  });

  it('refuses remote image URLs (Ollama takes bytes)', () => {
    expect(() => toOllamaRequest(call({ messages: [msg('user', '', { parts: [{ type: 'image', url: 'https://x/y.png' }] })] }))).toThrow(
      UpstreamError,
    );
  });

  it('maps options, format, think and tool choice', () => {
    const body = toOllamaRequest(
      call({
        model: 'gpt-oss:20b',
        tools: [WEATHER, { ...WEATHER, name: 'other' }],
        toolChoice: { mode: 'function', name: 'other' },
        options: {
          temperature: 0.1,
          topP: 0.8,
          topK: 20,
          maxOutputTokens: 64,
          stop: ['\n\n'],
          seed: 3,
          presencePenalty: 0.5,
          frequencyPenalty: 0.25,
          responseFormat: { type: 'json_schema', name: 's', schema: { type: 'object' }, strict: true },
          reasoningEffort: 'high',
        },
        providerOptions: { keep_alive: '10m' },
      }),
    );
    expect(body.options).toEqual({
      temperature: 0.1,
      top_p: 0.8,
      top_k: 20,
      num_predict: 64,
      stop: ['\n\n'],
      seed: 3,
      presence_penalty: 0.5,
      frequency_penalty: 0.25,
    });
    expect(body.format).toEqual({ type: 'object' });
    expect(body.think).toBe('high');
    expect(body.tools?.map((t) => t.function.name)).toEqual(['other']);
    expect(body['keep_alive']).toBe('10m');
    expect(toOllamaRequest(call({ tools: [WEATHER], toolChoice: { mode: 'none' } })).tools).toBeUndefined();
    expect(toOllamaRequest(call({ options: { responseFormat: { type: 'json_object' }, reasoningEffort: 'low' } }))).toMatchObject({
      format: 'json',
      think: true,
    });
    expect(toOllamaRequest(call({ options: { reasoningEffort: 'none' } })).think).toBe(false);
    expect(toOllamaRequest(call({})).options).toBeUndefined();
  });
});

describe('OllamaStreamDecoder', () => {
  const run = (lines: unknown[]): unknown[] => {
    let n = 0;
    const d = new OllamaStreamDecoder('ollama', () => `gen_${n++}`);
    return lines.flatMap((l) => d.push(l));
  };

  it('decodes content, thinking, usage and finish', () => {
    expect(run(ollamaLines.thinking('qwen3'))).toEqual([
      { type: 'delta', text: '', reasoning: 'Hmm, ' },
      { type: 'delta', text: '', reasoning: 'the user says hi.' },
      { type: 'delta', text: 'Hello 👋' },
      { type: 'usage', usage: { inputTokens: 12, outputTokens: 9, cachedInputTokens: 0, reasoningTokens: 0 } },
      { type: 'finish', reason: 'stop' },
    ]);
    expect(run(ollamaLines.text('m', ['a'], { input: 1, output: 2 }, 'length')).at(-1)).toEqual({ type: 'finish', reason: 'length' });
  });

  it('whole tool calls get generated ids when absent; done_reason stop becomes tool_calls', () => {
    expect(run(ollamaLines.twoCalls('llama3.2'))).toEqual([
      { type: 'tool_call', index: 0, id: 'gen_0', name: 'get_weather', argumentsDelta: '{"city":"Tokyo"}' },
      { type: 'tool_call', index: 1, id: 'gen_1', name: 'get_time', argumentsDelta: '{"tz":"Asia/Tokyo"}' },
      { type: 'usage', usage: { inputTokens: 169, outputTokens: 15, cachedInputTokens: 0, reasoningTokens: 0 } },
      { type: 'finish', reason: 'tool_calls' },
    ]);
    const d = new OllamaStreamDecoder('ollama');
    const [e] = d.push(ollamaLines.content('m', '', { tool_calls: [{ function: { name: 'f', arguments: {} } }] }));
    expect((e as { id: string }).id).toMatch(/^call_[a-z0-9]{8}$/);
  });

  it('an error line is an UpstreamError', () => {
    expect(() => run([{ error: 'an error was encountered while running the model' }])).toThrow(/an error was encountered/);
  });
});

describe('Ollama errors and /api/show', () => {
  it('a model that is not pulled → not_found telling how to pull it', () => {
    const e = ollamaHttpError(404, {}, '{"error":"model \'llama9\' not found"}', 'ollama', 'llama9');
    expect(e.kind).toBe('not_found');
    expect(e.message).toContain('ollama pull llama9');
  });
  it('other statuses use the generic table with the error text', () => {
    const e = ollamaHttpError(400, {}, '{"error":"registry.ollama.ai/library/gemma:2b does not support tools"}', 'ollama', 'gemma:2b');
    expect([e.kind, e.message]).toEqual(['bad_request', 'registry.ollama.ai/library/gemma:2b does not support tools']);
    expect(ollamaHttpError(503, {}, 'server busy', 'ollama').kind).toBe('overloaded');
  });
  it('capabilities and context length', () => {
    expect(
      toModelInfo('llava', {
        capabilities: ['completion', 'vision'],
        details: { family: 'llama' },
        model_info: { 'general.architecture': 'llama', 'llama.context_length': 8192 },
      }),
    ).toEqual({ name: 'llava', capabilities: ['completion', 'vision'], contextLength: 8192, family: 'llama' });
    expect(toModelInfo('x', {})).toEqual({ name: 'x', capabilities: [] });
  });
});
