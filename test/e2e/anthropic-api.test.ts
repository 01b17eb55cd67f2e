// POST /v1/messages end to end: the official `@anthropic-ai/sdk` against a real server in front
// of a fake OpenAI upstream (an Anthropic client talking to any routed model through
// Switchyard). The SDK must see exactly what the upstream sent: text, tool arguments, the
// finish and the usage.
import Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CALLS, KEY, lastUpstreamBody, startOpenAiEnv, TEXT, type OpenAiEnv } from './openai-fixtures.js';

let env: OpenAiEnv;
let client: Anthropic;
beforeAll(async () => {
  env = await startOpenAiEnv();
  // The SDK appends /v1/messages itself; no retries, a test must see the first answer.
  client = new Anthropic({ apiKey: KEY, baseURL: env.server.httpUrl, maxRetries: 0 });
}, 60_000);
afterAll(async () => {
  await env?.stop();
});

const user = (content: string) => [{ role: 'user' as const, content }];
const TOOLS = CALLS.map((c) => ({
  name: c.name,
  description: `the ${c.name} tool`,
  input_schema: { type: 'object' as const, properties: {} },
}));

describe('messages with the @anthropic-ai/sdk', () => {
  it('streams text with Anthropic events, ids from the decision, the upstream usage', async () => {
    const stream = client.messages.stream({ model: 'oai/text', max_tokens: 100, messages: user('hi') });
    const types: string[] = [];
    stream.on('streamEvent', (e) => types.push(e.type));
    const message = await stream.finalMessage();
    const { response } = await stream.withResponse();
    const decisionId = response.headers.get('x-switchyard-decision-id');
    expect(decisionId).toMatch(/^[0-9a-f-]{36}$/);
    expect(message.id).toBe(`msg_${decisionId}`);
    expect(message.model).toBe('oai/text');
    expect(message.content).toEqual([{ type: 'text', text: TEXT }]);
    expect(message.stop_reason).toBe('end_turn');
    expect(message.usage).toMatchObject({ input_tokens: 12, output_tokens: 9 });
    expect(types[0]).toBe('message_start');
    expect(types.slice(-2)).toEqual(['message_delta', 'message_stop']);
    expect(types.filter((t) => t === 'content_block_start')).toHaveLength(1);
  });

  it('streams two tool_use blocks whose input is what the upstream sent; system, tools, tool_choice and stops go upstream', async () => {
    const stream = client.messages.stream({
      model: 'oai/tools',
      max_tokens: 300,
      system: [{ type: 'text', text: 'you are a weather bot' }],
      messages: user('weather and time in Paris?'),
      tools: TOOLS,
      tool_choice: { type: 'any' },
      stop_sequences: ['END'],
      temperature: 0.3,
    });
    const message = await stream.finalMessage();
    expect(message.stop_reason).toBe('tool_use');
    expect(message.content).toEqual(CALLS.map((c) => ({ type: 'tool_use', id: c.id, name: c.name, input: JSON.parse(c.argumentsJson) })));
    expect(message.usage).toMatchObject({ input_tokens: 44, output_tokens: 16 });
    const sent = lastUpstreamBody(env.upstream, 'e2e-tools');
    expect(sent.tool_choice).toBe('required');
    expect((sent.tools as { function: { name: string } }[]).map((t) => t.function.name)).toEqual(CALLS.map((c) => c.name));
    expect(sent).toMatchObject({ stop: ['END'], temperature: 0.3 });
    expect(sent.max_completion_tokens ?? sent.max_tokens).toBe(300);
    expect((sent.messages as unknown[])[0]).toMatchObject({ role: 'system', content: 'you are a weather bot' });
  });

  it('answers without streaming: one message', async () => {
    const { data, response } = await client.messages.create({ model: 'oai/text', max_tokens: 50, messages: user('hi') }).withResponse();
    expect(data).toMatchObject({
      id: `msg_${response.headers.get('x-switchyard-decision-id')}`,
      type: 'message',
      role: 'assistant',
      model: 'oai/text',
      content: [{ type: 'text', text: TEXT }],
      stop_reason: 'end_turn',
      usage: { input_tokens: 12, output_tokens: 9 },
    });
  });

  it('turns tool_use/tool_result history and thinking into the upstream conversation', async () => {
    await client.messages.create({
      model: 'oai/text',
      max_tokens: 1000,
      thinking: { type: 'enabled', budget_tokens: 9000 },
      messages: [
        { role: 'user', content: 'weather?' },
        {
          role: 'assistant',
          content: [
            { type: 'thinking', thinking: 'let me look', signature: 'sig' },
            { type: 'text', text: 'checking' },
            { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Paris' } },
          ],
        },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'and hurry' },
            { type: 'tool_result', tool_use_id: 'toolu_1', content: [{ type: 'text', text: 'sunny' }] },
          ],
        },
      ],
      tools: TOOLS,
    });
    const sent = lastUpstreamBody(env.upstream, 'e2e-text');
    expect(sent.messages).toEqual([
      { role: 'user', content: 'weather?' },
      {
        role: 'assistant',
        content: 'checking',
        tool_calls: [{ id: 'toolu_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }],
      },
      { role: 'tool', tool_call_id: 'toolu_1', content: 'sunny' },
      { role: 'user', content: [{ type: 'text', text: 'and hurry' }] },
    ]);
    // 9000 is nearest the "medium" thinking budget.
    expect(sent.reasoning_effort).toBe('medium');
  });

  it('counts input tokens with the planner estimate', async () => {
    const short = await client.messages.countTokens({ model: 'oai/text', messages: user('hi') });
    const long = await client.messages.countTokens({ model: 'oai/text', system: 'be brief', messages: user('hi '.repeat(200)) });
    expect(short.input_tokens).toBeGreaterThan(0);
    expect(long.input_tokens).toBeGreaterThan(short.input_tokens + 100);
  });
});
