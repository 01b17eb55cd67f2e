// Request mapping (domain ChatCall → Messages body), exact bodies.
import { describe, expect, it } from 'vitest';
import { UpstreamError } from '../../src/providers/errors.js';
import { DEFAULT_MAX_TOKENS, JSON_OBJECT_INSTRUCTION, toMessagesRequest } from '../../src/providers/anthropic/map.js';
import type { ChatCall, ChatMessage } from '../../src/providers/types.js';

const msg = (role: ChatMessage['role'], content: string, over: Partial<ChatMessage> = {}): ChatMessage => ({
  role,
  content,
  parts: [],
  toolCalls: [],
  ...over,
});

function call(over: Partial<ChatCall> = {}): ChatCall {
  return {
    model: 'claude-sonnet-4-20250514',
    messages: [msg('user', 'Hi')],
    options: {},
    tools: [],
    signal: new AbortController().signal,
    ...over,
  };
}

const weatherTool = {
  name: 'get_weather',
  description: 'Weather of a city',
  parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
};

describe('anthropic request mapping', () => {
  it('sends the minimal body: model, default max_tokens, messages, stream', () => {
    expect(toMessagesRequest(call()).body).toEqual({
      model: 'claude-sonnet-4-20250514',
      max_tokens: DEFAULT_MAX_TOKENS,
      messages: [{ role: 'user', content: 'Hi' }],
      stream: true,
    });
  });

  it('lifts system messages to top-level system and keeps multi-turn history in order', () => {
    const { body } = toMessagesRequest(
      call({
        messages: [
          msg('system', 'Be brief.'),
          msg('user', 'Hi'),
          msg('assistant', 'Hello!'),
          msg('system', 'Answer in French.'),
          msg('user', 'How are you?'),
        ],
        options: { maxOutputTokens: 100, temperature: 0.2, topP: 0.9, topK: 40, stop: ['END'], seed: 7, presencePenalty: 1 },
      }),
    );
    expect(body).toEqual({
      model: 'claude-sonnet-4-20250514',
      max_tokens: 100,
      system: 'Be brief.\n\nAnswer in French.',
      messages: [
        { role: 'user', content: 'Hi' },
        { role: 'assistant', content: 'Hello!' },
        { role: 'user', content: 'How are you?' },
      ],
      stop_sequences: ['END'],
      temperature: 0.2,
      top_p: 0.9,
      top_k: 40,
      stream: true,
    });
  });

  it('maps images: bytes and data: URLs to base64 sources, https URLs to url sources', () => {
    const { body } = toMessagesRequest(
      call({
        messages: [
          msg('user', 'What is this?', {
            parts: [
              { type: 'image', data: new Uint8Array([137, 80, 78, 71]), mimeType: 'image/png' },
              { type: 'image', url: 'data:image/jpeg;base64,/9j/4AAQ' },
              { type: 'image', url: 'https://example.com/cat.webp' },
              { type: 'text', text: 'Be precise.' },
            ],
          }),
        ],
      }),
    );
    expect(body.messages).toEqual([
      {
        role: 'user',
        content: [
          { type: 'text', text: 'What is this?' },
          { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw==' } },
          { type: 'image', source: { type: 'base64', media_type: 'image/jpeg', data: '/9j/4AAQ' } },
          { type: 'image', source: { type: 'url', url: 'https://example.com/cat.webp' } },
          { type: 'text', text: 'Be precise.' },
        ],
      },
    ]);
  });

  it('rejects an image without bytes/URL and bytes without a MIME type', () => {
    const bad = (part: ChatMessage['parts'][number]) => () => toMessagesRequest(call({ messages: [msg('user', '', { parts: [part] })] }));
    expect(bad({ type: 'image', data: new Uint8Array([1]) })).toThrow(UpstreamError);
    expect(bad({ type: 'image', url: 'ftp://x/y.png' })).toThrow(/image/);
  });

  it('maps tools, tool calls and tool results (consecutive results share one user turn)', () => {
    const { body } = toMessagesRequest(
      call({
        tools: [weatherTool],
        toolChoice: { mode: 'auto' },
        messages: [
          msg('user', 'Weather in Paris and Rome?'),
          msg('assistant', 'Checking.', {
            toolCalls: [
              { id: 'toolu_1', name: 'get_weather', argumentsJson: '{"city":"Paris"}' },
              { id: 'toolu_2', name: 'get_weather', argumentsJson: '' },
            ],
          }),
          msg('tool', '15 degrees', { toolCallId: 'toolu_1' }),
          msg('tool', '20 degrees', { toolCallId: 'toolu_2' }),
          msg('user', 'And tomorrow?'),
        ],
      }),
    );
    expect(body.tools).toEqual([{ name: 'get_weather', description: 'Weather of a city', input_schema: weatherTool.parameters }]);
    expect(body.tool_choice).toEqual({ type: 'auto' });
    expect(body.messages).toEqual([
      { role: 'user', content: 'Weather in Paris and Rome?' },
      {
        role: 'assistant',
        content: [
          { type: 'text', text: 'Checking.' },
          { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Paris' } },
          { type: 'tool_use', id: 'toolu_2', name: 'get_weather', input: {} },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 'toolu_1', content: '15 degrees' },
          { type: 'tool_result', tool_use_id: 'toolu_2', content: '20 degrees' },
          { type: 'text', text: 'And tomorrow?' },
        ],
      },
    ]);
  });

  it('maps every tool choice, and sends none without tools', () => {
    const choice = (toolChoice: ChatCall['toolChoice'], tools = [weatherTool]) =>
      toMessagesRequest(call({ tools, toolChoice })).body.tool_choice;
    expect(choice({ mode: 'none' })).toEqual({ type: 'none' });
    expect(choice({ mode: 'required' })).toEqual({ type: 'any' });
    expect(choice({ mode: 'function', name: 'get_weather' })).toEqual({ type: 'tool', name: 'get_weather' });
    expect(choice(undefined)).toBeUndefined();
    expect(choice({ mode: 'required' }, [])).toBeUndefined();
  });

  it('rejects a tool message without toolCallId and invalid tool-call JSON', () => {
    expect(() => toMessagesRequest(call({ messages: [msg('tool', 'x')] }))).toThrow(/toolCallId/);
    const bad = msg('assistant', '', { toolCalls: [{ id: 't', name: 'f', argumentsJson: '{nope' }] });
    expect(() => toMessagesRequest(call({ messages: [msg('user', 'a'), bad, msg('user', 'b')] }))).toThrow(/JSON/);
  });

  it('maps reasoning effort to a thinking budget under max_tokens, dropping sampling knobs', () => {
    const medium = toMessagesRequest(call({ options: { reasoningEffort: 'medium', temperature: 0.5, topK: 5 } })).body;
    expect(medium.thinking).toEqual({ type: 'enabled', budget_tokens: 8192 });
    expect(medium.max_tokens).toBe(8192 + DEFAULT_MAX_TOKENS);
    expect(medium.temperature).toBeUndefined();
    expect(medium.top_k).toBeUndefined();
    // An explicit cap is never raised: the budget shrinks to half of it...
    const capped = toMessagesRequest(call({ options: { reasoningEffort: 'high', maxOutputTokens: 10_000 } })).body;
    expect(capped).toMatchObject({ max_tokens: 10_000, thinking: { type: 'enabled', budget_tokens: 5000 } });
    // ...and below the API's 1024 minimum, thinking is left off.
    const tiny = toMessagesRequest(call({ options: { reasoningEffort: 'low', maxOutputTokens: 1500, temperature: 0.3 } })).body;
    expect(tiny.thinking).toBeUndefined();
    expect(tiny.temperature).toBe(0.3);
    expect(toMessagesRequest(call({ options: { reasoningEffort: 'none' } })).body.thinking).toBeUndefined();
  });

  it('json_object → a system instruction', () => {
    const { body, jsonToolName } = toMessagesRequest(
      call({ messages: [msg('system', 'You are terse.'), msg('user', 'x')], options: { responseFormat: { type: 'json_object' } } }),
    );
    expect(body.system).toBe(`You are terse.\n\n${JSON_OBJECT_INSTRUCTION}`);
    expect(jsonToolName).toBeUndefined();
  });

  it('json_schema → a forced tool, or a system instruction when tools or thinking are in play', () => {
    const schema = { type: 'object', properties: { answer: { type: 'number' } }, required: ['answer'] };
    const rf = { type: 'json_schema' as const, name: 'answer', schema, strict: true };
    const forced = toMessagesRequest(call({ options: { responseFormat: rf } }));
    expect(forced.jsonToolName).toBe('answer');
    expect(forced.body.tools).toEqual([{ name: 'answer', description: expect.any(String), input_schema: schema }]);
    expect(forced.body.tool_choice).toEqual({ type: 'tool', name: 'answer' });
    expect(forced.body.system).toBeUndefined();

    const withTools = toMessagesRequest(call({ tools: [weatherTool], options: { responseFormat: rf } }));
    expect(withTools.jsonToolName).toBeUndefined();
    expect(withTools.body.tools).toHaveLength(1);
    expect(withTools.body.system).toContain(JSON.stringify(schema));
    const thinking = toMessagesRequest(call({ options: { responseFormat: rf, reasoningEffort: 'low' } }));
    expect(thinking.jsonToolName).toBeUndefined();
  });

  it('merges providerOptions beside what it owns, and refuses an owned key', () => {
    const { body } = toMessagesRequest(call({ options: { maxOutputTokens: 50 }, providerOptions: { metadata: { user_id: 'u1' } } }));
    expect(body.max_tokens).toBe(50);
    expect(body['metadata']).toEqual({ user_id: 'u1' });
    expect(() => toMessagesRequest(call({ options: { maxOutputTokens: 50 }, providerOptions: { max_tokens: 77 } }))).toThrow(/max_tokens/);
  });
});
