// The demo adapter on its own: deterministic text, usage by the planner's heuristic, tool
// calls, failures on request, hashed embeddings. No upstream: nothing leaves the process.
import { describe, expect, it } from 'vitest';
import { chatEvents } from '../../src/providers/batches.js';
import { createDemoAdapter, hashedVector, inputTokens } from '../../src/providers/demo/adapter.js';
import { DEFAULT_REPLY, parseDemoOptions } from '../../src/providers/demo/script.js';
import { UpstreamError } from '../../src/providers/errors.js';
import type { ChatCall, ChatEvent, ChatMessage, ToolDef } from '../../src/providers/types.js';
import { DEFAULT_TIMEOUTS } from '../../src/providers/types.js';
import { estimateInputTokens, estimateTextTokens } from '../../src/routing/estimate.js';

const adapter = createDemoAdapter({ id: 'demo', kind: 'demo', baseUrl: '', timeouts: DEFAULT_TIMEOUTS });
const msg = (role: ChatMessage['role'], content: string, extra: Partial<ChatMessage> = {}): ChatMessage => ({
  role,
  content,
  parts: [],
  toolCalls: [],
  ...extra,
});
const call = (over: Partial<ChatCall> = {}): ChatCall => ({
  model: 'echo',
  messages: [msg('system', 'Be brief.'), msg('user', 'Hello there, Switchyard!')],
  options: {},
  tools: [],
  signal: new AbortController().signal,
  ...over,
});
async function collect(c: ChatCall): Promise<ChatEvent[]> {
  const out: ChatEvent[] = [];
  for await (const e of chatEvents(adapter, c)) out.push(e);
  return out;
}
const text = (evs: ChatEvent[]) => evs.map((e) => (e.type === 'delta' ? e.text : '')).join('');
async function failure(c: ChatCall): Promise<{ err: UpstreamError; before: ChatEvent[] }> {
  const before: ChatEvent[] = [];
  try {
    for await (const e of chatEvents(adapter, c)) before.push(e);
  } catch (err) {
    expect(err).toBeInstanceOf(UpstreamError);
    return { err: err as UpstreamError, before };
  }
  throw new Error('the call did not fail');
}
const WEATHER: ToolDef = {
  name: 'get_weather',
  description: 'Weather of a city',
  parameters: { type: 'object', properties: { city: { type: 'string' }, days: { type: 'integer' } }, required: ['city', 'days'] },
};

describe('demo adapter: chat', () => {
  it('echoes the last user message, word by word, then usage and finish', async () => {
    const evs = await collect(call());
    expect(text(evs)).toBe('Hello there, Switchyard!');
    expect(evs.filter((e) => e.type === 'delta').map((e) => (e as { text: string }).text)).toEqual(['Hello', ' there,', ' Switchyard!']);
    expect(evs.slice(-2)).toEqual([
      { type: 'usage', usage: { inputTokens: 20, outputTokens: 6, cachedInputTokens: 0, reasoningTokens: 0 } },
      { type: 'finish', reason: 'stop' },
    ]);
  });

  it('counts input tokens as the planner estimates them, so a reservation matches what is used', () => {
    const messages = [msg('system', 'Grüße, Zürich'), msg('user', 'hi', { name: 'ann' })];
    expect(inputTokens(messages)).toBe(estimateInputTokens(messages.map((m) => ({ ...m, parts: [] }))));
  });

  it('is deterministic and answers an empty conversation with a canned line', async () => {
    expect(await collect(call())).toEqual(await collect(call()));
    expect(text(await collect(call({ messages: [] })))).toBe(DEFAULT_REPLY);
  });

  it('takes a reply from the demo option, cut at a stop sequence or the token limit', async () => {
    const reply = { demo: { reply: 'one two three four five six' } };
    expect(text(await collect(call({ providerOptions: reply })))).toBe('one two three four five six');
    const stopped = await collect(call({ providerOptions: reply, options: { stop: [' four'] } }));
    expect(text(stopped)).toBe('one two three');
    expect(stopped.at(-1)).toEqual({ type: 'finish', reason: 'stop' });
    const cut = await collect(call({ providerOptions: reply, options: { maxOutputTokens: 2 } }));
    expect(text(cut)).toBe('one two ');
    expect(cut.at(-1)).toEqual({ type: 'finish', reason: 'length' });
  });

  it('demo/tools calls the first tool with the user text in its required string arguments, then reports the result', async () => {
    const evs = await collect(call({ model: 'tools', tools: [WEATHER] }));
    expect(evs.filter((e) => e.type === 'tool_call')).toEqual([
      { type: 'tool_call', index: 0, id: 'call_demo_0', name: 'get_weather', argumentsDelta: '{"city":"Hello there, Switchyard!"}' },
    ]);
    expect(evs.at(-1)).toEqual({ type: 'finish', reason: 'tool_calls' });
    const answered = await collect(
      call({
        model: 'tools',
        tools: [WEATHER],
        messages: [
          msg('user', 'weather?'),
          msg('assistant', '', { toolCalls: [{ id: 'call_demo_0', name: 'get_weather', argumentsJson: '{}' }] }),
          msg('tool', 'sunny', { toolCallId: 'call_demo_0' }),
        ],
      }),
    );
    expect(text(answered)).toBe('The tool returned: sunny');
    expect(answered.at(-1)).toEqual({ type: 'finish', reason: 'stop' });
  });

  it('makes the tool call the option names, with its arguments, on any chat model; never with tool choice none', async () => {
    const opts = { demo: { tool_call: { name: 'lookup', arguments: { q: 'x' } } } };
    const tools = [WEATHER, { ...WEATHER, name: 'lookup' }];
    const evs = await collect(call({ providerOptions: opts, tools }));
    expect(evs.find((e) => e.type === 'tool_call')).toMatchObject({ name: 'lookup', argumentsDelta: '{"q":"x"}' });
    const none = await collect(call({ providerOptions: opts, tools, toolChoice: { mode: 'none' } }));
    expect(none.some((e) => e.type === 'tool_call')).toBe(false);
  });

  it('fails on request, before any output or after some tokens', async () => {
    const before = await failure(call({ providerOptions: { demo: { fail: 'rate_limited' } } }));
    expect(before.err.kind).toBe('rate_limited');
    expect(before.err.retryable).toBe(true);
    expect(before.before).toEqual([]);
    const mid = await failure(call({ providerOptions: { demo: { fail: 'stream_interrupted', fail_after_tokens: 2 } } }));
    expect(mid.err.kind).toBe('stream_interrupted');
    expect(text(mid.before)).toBe('Hello there,');
  });

  it('refuses an unknown option or value as bad_request, naming it', async () => {
    const unknown = await failure(call({ providerOptions: { demo: { fial: 'rate_limited' } } }));
    expect(unknown.err.kind).toBe('bad_request');
    expect(unknown.err.message).toContain('fial');
    expect(() => parseDemoOptions({ demo: { fail: 'exploded' } })).toThrow(/fail must be one of/);
    expect(() => parseDemoOptions({ demo: { latency_ms: -1 } })).toThrow(/latency_ms/);
  });

  it('stops at the caller abort while waiting out its latency', async () => {
    const ac = new AbortController();
    const reason = new Error('caller went away');
    const pending = collect(call({ signal: ac.signal, providerOptions: { demo: { latency_ms: 60_000 } } }));
    ac.abort(reason);
    await expect(pending).rejects.toBe(reason);
  });

  it('answers an unknown model with not_found', async () => {
    expect((await failure(call({ model: 'gpt-4o' }))).err.kind).toBe('not_found');
  });
});

describe('demo adapter: embed and models', () => {
  it('returns deterministic unit vectors, different per text, of the asked dimensions', async () => {
    const signal = new AbortController().signal;
    const r = await adapter.embed({ model: 'embed', inputs: ['alpha', 'beta', 'alpha'], signal });
    expect(r.vectors).toHaveLength(3);
    expect(r.vectors[0]).toHaveLength(64);
    expect(r.vectors[0]).toEqual(r.vectors[2]);
    expect(r.vectors[0]).not.toEqual(r.vectors[1]);
    expect(Math.hypot(...r.vectors[1]!)).toBeCloseTo(1, 9);
    expect(r.usage.inputTokens).toBe(estimateTextTokens(['alpha', 'beta', 'alpha']));
    expect((await adapter.embed({ model: 'embed', inputs: ['x'], dimensions: 100, signal })).vectors[0]).toHaveLength(100);
    expect(hashedVector('alpha', 64)).toEqual(r.vectors[0]);
  });

  it('lists its models', async () => {
    expect(await adapter.listModels(new AbortController().signal)).toEqual(['echo', 'tools', 'embed']);
  });
});
