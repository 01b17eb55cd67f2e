// Pure mapping: ChatCall → Gemini request body, and recorded Gemini streams → domain events.
import { describe, expect, it } from 'vitest';
import { UpstreamError } from '../../src/providers/errors.js';
import { SKIP_SIGNATURE, thinkingConfig, toGeminiRequest } from '../../src/providers/gemini/map.js';
import { GeminiStreamDecoder, finishReason, httpError, toUsage } from '../../src/providers/gemini/stream.js';
import type { GeminiGenerateResponse } from '../../src/providers/gemini/wire.js';
import type { ChatCall, ChatEvent, ChatMessage } from '../../src/providers/types.js';
import { loadGeminiRecordings } from '../fakes/gemini.js';

const msg = (role: ChatMessage['role'], content: string, extra: Partial<ChatMessage> = {}): ChatMessage => ({
  role,
  content,
  parts: [],
  toolCalls: [],
  ...extra,
});

const call = (over: Partial<ChatCall>): ChatCall => ({
  model: 'gemini-2.5-flash',
  messages: [msg('user', 'Hi')],
  options: {},
  tools: [],
  signal: new AbortController().signal,
  ...over,
});

const DIVIDE = {
  name: 'customDivide',
  description: 'Custom divide function',
  parameters: { type: 'object', properties: { denominator: { type: 'number' }, numerator: { type: 'number' } } },
};

function decode(chunks: unknown[]): ChatEvent[] {
  const d = new GeminiStreamDecoder('gemini');
  return [...chunks.flatMap((c) => d.push(c as GeminiGenerateResponse)), ...d.end()];
}

describe('toGeminiRequest', () => {
  it('reproduces the recorded SDK request of the function-calling round trip', () => {
    const rec = loadGeminiRecordings().find(
      (r) => r.file.startsWith('AFC_Streaming_Tests_chat_stream') && (r.request['contents'] as unknown[]).length === 3,
    )!;
    const body = toGeminiRequest(
      call({
        model: 'gemini-2.0-flash',
        messages: [
          msg('user', 'Divide 10 by 2 using the customDivide function'),
          msg('assistant', '', { toolCalls: [{ id: 'call_1', name: 'customDivide', argumentsJson: '{"denominator":2,"numerator":10}' }] }),
          msg('tool', '{"output":42}', { toolCallId: 'call_1' }),
        ],
        tools: [DIVIDE],
        toolChoice: { mode: 'auto' },
      }),
    );
    // The SDK also sends an empty generationConfig; we omit it when nothing is set.
    const { generationConfig: _g, ...expected } = rec.request;
    expect(body).toEqual(expected);
  });

  it('maps system, images, tool results by name, and merges parallel results into one turn', () => {
    const body = toGeminiRequest(
      call({
        messages: [
          msg('system', 'Be brief.'),
          msg('system', 'Use metric units.'),
          msg('user', 'What is here?', {
            parts: [
              { type: 'image', data: new Uint8Array([1, 2, 3]), mimeType: 'image/jpeg' },
              { type: 'image', url: 'data:image/png;base64,iVBORw0KGgo=' },
              { type: 'image', url: 'https://example.com/cat.webp', mimeType: 'image/webp' },
            ],
          }),
          msg('assistant', 'Checking.', {
            toolCalls: [
              { id: 'a', name: 'get_weather', argumentsJson: '{"city":"Paris"}' },
              { id: 'b', name: 'get_time', argumentsJson: '' },
            ],
          }),
          msg('tool', '11 degrees', { toolCallId: 'a' }),
          msg('tool', '[1,2]', { toolCallId: 'b' }),
          msg('tool', 'orphan with a name', { name: 'lookup' }),
        ],
      }),
    );
    expect(body.systemInstruction).toEqual({ parts: [{ text: 'Be brief.' }, { text: 'Use metric units.' }] });
    expect(body.contents).toEqual([
      {
        role: 'user',
        parts: [
          { text: 'What is here?' },
          { inlineData: { mimeType: 'image/jpeg', data: 'AQID' } },
          { inlineData: { mimeType: 'image/png', data: 'iVBORw0KGgo=' } },
          { fileData: { fileUri: 'https://example.com/cat.webp', mimeType: 'image/webp' } },
        ],
      },
      {
        role: 'model',
        parts: [
          { text: 'Checking.' },
          { functionCall: { name: 'get_weather', args: { city: 'Paris' } } },
          { functionCall: { name: 'get_time', args: {} } },
        ],
      },
      {
        role: 'user',
        parts: [
          { functionResponse: { name: 'get_weather', response: { output: '11 degrees' } } },
          { functionResponse: { name: 'get_time', response: { output: [1, 2] } } },
          { functionResponse: { name: 'lookup', response: { output: 'orphan with a name' } } },
        ],
      },
    ]);
  });

  it('Gemini 3: the first call of each model turn carries the documented signature bypass', () => {
    const body = toGeminiRequest(
      call({
        model: 'gemini-3-pro-preview',
        messages: [
          msg('user', 'x'),
          msg('assistant', '', {
            toolCalls: [
              { id: 'a', name: 'f', argumentsJson: '{}' },
              { id: 'b', name: 'g', argumentsJson: '{}' },
            ],
          }),
        ],
      }),
    );
    expect(body.contents[1]!.parts).toEqual([
      { functionCall: { name: 'f', args: {} }, thoughtSignature: SKIP_SIGNATURE },
      { functionCall: { name: 'g', args: {} } },
    ]);
  });

  it('rejects a tool result that answers nothing', () => {
    expect(() => toGeminiRequest(call({ messages: [msg('tool', 'x', { toolCallId: 'nope' })] }))).toThrow(UpstreamError);
  });

  it('maps tools, tool choice and generation options; merges providerOptions last', () => {
    const body = toGeminiRequest(
      call({
        tools: [DIVIDE, { name: 'noargs', description: '', parameters: {} }],
        toolChoice: { mode: 'function', name: 'customDivide' },
        options: {
          temperature: 0.2,
          topP: 0.9,
          topK: 40,
          maxOutputTokens: 256,
          stop: ['END'],
          seed: 7,
          presencePenalty: 0.1,
          frequencyPenalty: 0.3,
          responseFormat: { type: 'json_schema', name: 'x', schema: { type: 'object', additionalProperties: false }, strict: true },
          reasoningEffort: 'low',
        },
        providerOptions: { safetySettings: [{ category: 'HARM_CATEGORY_HARASSMENT', threshold: 'BLOCK_NONE' }] },
      }),
    );
    expect(body.tools).toEqual([
      {
        functionDeclarations: [
          { name: 'customDivide', description: 'Custom divide function', parametersJsonSchema: DIVIDE.parameters },
          { name: 'noargs' },
        ],
      },
    ]);
    expect(body.toolConfig).toEqual({ functionCallingConfig: { mode: 'ANY', allowedFunctionNames: ['customDivide'] } });
    expect(body.generationConfig).toEqual({
      temperature: 0.2,
      topP: 0.9,
      topK: 40,
      maxOutputTokens: 256,
      stopSequences: ['END'],
      seed: 7,
      presencePenalty: 0.1,
      frequencyPenalty: 0.3,
      responseMimeType: 'application/json',
      responseJsonSchema: { type: 'object', additionalProperties: false },
      thinkingConfig: { includeThoughts: true, thinkingBudget: 1024 },
    });
    expect(body['safetySettings']).toBeDefined();
  });

  it('maps tool choice modes and JSON mode', () => {
    const mode = (c: ChatCall['toolChoice']): unknown => toGeminiRequest(call({ tools: [DIVIDE], toolChoice: c })).toolConfig;
    expect(mode({ mode: 'auto' })).toEqual({ functionCallingConfig: { mode: 'AUTO' } });
    expect(mode({ mode: 'none' })).toEqual({ functionCallingConfig: { mode: 'NONE' } });
    expect(mode({ mode: 'required' })).toEqual({ functionCallingConfig: { mode: 'ANY' } });
    expect(mode(undefined)).toBeUndefined();
    expect(toGeminiRequest(call({ toolChoice: { mode: 'required' } })).toolConfig).toBeUndefined();
    const json = toGeminiRequest(call({ options: { responseFormat: { type: 'json_object' } } }));
    expect(json.generationConfig).toEqual({ responseMimeType: 'application/json' });
    expect(toGeminiRequest(call({})).generationConfig).toBeUndefined();
  });

  it('thinking: budgets on 2.5, levels on 3, off for none', () => {
    expect(thinkingConfig('gemini-2.5-pro', 'none')).toEqual({ thinkingBudget: 0 });
    expect(thinkingConfig('gemini-2.5-pro', 'high')).toEqual({ includeThoughts: true, thinkingBudget: 24576 });
    expect(thinkingConfig('gemini-3-pro-preview', 'high')).toEqual({ includeThoughts: true, thinkingLevel: 'high' });
    expect(thinkingConfig('gemini-3-flash', 'none')).toEqual({ thinkingLevel: 'minimal' });
  });
});

describe('GeminiStreamDecoder', () => {
  it('decodes the recorded text stream', () => {
    const rec = loadGeminiRecordings().find((r) => r.chunks.length === 3)!;
    const events = decode(rec.chunks);
    expect(events).toEqual([
      { type: 'delta', text: 'I' },
      { type: 'delta', text: ' cannot fulfill this request. The customDivide function does not return the correct result of' },
      { type: 'delta', text: ' dividing 10 by 2. It returns 42.\n' },
      // The final chunk's usage is authoritative.
      { type: 'usage', usage: { inputTokens: 27, outputTokens: 32, cachedInputTokens: 0, reasoningTokens: 0 } },
      { type: 'finish', reason: 'stop' },
    ]);
  });

  it('decodes every recorded function call as one whole tool_call and finishes tool_calls', () => {
    const recs = loadGeminiRecordings().filter((r) => JSON.stringify(r.chunks).includes('functionCall'));
    expect(recs.length).toBeGreaterThanOrEqual(3);
    for (const rec of recs) {
      const events = decode(rec.chunks);
      const responseId = rec.chunks[0]!['responseId'] as string;
      expect(events[0]).toMatchObject({ type: 'tool_call', index: 0, id: `call_${responseId}_0`, name: 'customDivide' });
      expect(JSON.parse((events[0] as { argumentsDelta: string }).argumentsDelta)).toHaveProperty('denominator', 2);
      expect(events.at(-1)).toEqual({ type: 'finish', reason: 'tool_calls' });
    }
  });

  it('thought parts are reasoning; output tokens include thoughts', () => {
    const events = decode([
      { candidates: [{ content: { parts: [{ text: 'hmm', thought: true }, { text: 'A' }] } }] },
      {
        candidates: [
          {
            content: { parts: [{ functionCall: { id: 'fc-1', name: 'f' } }, { functionCall: { name: 'g', args: { x: 1 } } }] },
            finishReason: 'STOP',
          },
        ],
        usageMetadata: { promptTokenCount: 10, candidatesTokenCount: 5, thoughtsTokenCount: 20, cachedContentTokenCount: 4 },
      },
    ]);
    expect(events).toEqual([
      { type: 'delta', text: '', reasoning: 'hmm' },
      { type: 'delta', text: 'A' },
      { type: 'tool_call', index: 0, id: 'fc-1', name: 'f', argumentsDelta: '{}' },
      { type: 'tool_call', index: 1, id: 'call_gemini_1', name: 'g', argumentsDelta: '{"x":1}' },
      { type: 'usage', usage: { inputTokens: 10, outputTokens: 25, cachedInputTokens: 4, reasoningTokens: 20 } },
      { type: 'finish', reason: 'tool_calls' },
    ]);
  });

  it('maps finish reasons', () => {
    expect(finishReason('STOP', false)).toBe('stop');
    expect(finishReason('MAX_TOKENS', true)).toBe('length');
    for (const r of ['SAFETY', 'RECITATION', 'BLOCKLIST', 'PROHIBITED_CONTENT', 'SPII'])
      expect(finishReason(r, false)).toBe('content_filter');
    expect(finishReason('OTHER', false)).toBe('stop');
    expect(toUsage({})).toEqual({ inputTokens: 0, outputTokens: 0, cachedInputTokens: 0, reasoningTokens: 0 });
  });

  it('a blocked prompt is content_filtered; an in-band Status is classified; no finishReason is a truncation', () => {
    const d = new GeminiStreamDecoder('gemini');
    expect(() => d.push({ promptFeedback: { blockReason: 'SAFETY' } })).toThrow(expect.objectContaining({ kind: 'content_filtered' }));
    expect(() => d.push({ error: { code: 503, status: 'UNAVAILABLE', message: 'busy' } })).toThrow(
      expect.objectContaining({ kind: 'overloaded' }),
    );
    expect(() => new GeminiStreamDecoder('g').end()).toThrow(expect.objectContaining({ kind: 'stream_interrupted' }));
  });
});

describe('Gemini error bodies', () => {
  const err = (status: number, body: unknown): UpstreamError =>
    httpError(status, {}, typeof body === 'string' ? body : JSON.stringify(body), 'gemini');
  it('classifies by canonical status, RetryInfo, ErrorInfo and message', () => {
    const rl = err(429, {
      error: {
        code: 429,
        status: 'RESOURCE_EXHAUSTED',
        message: 'quota',
        details: [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '13s' }],
      },
    });
    expect([rl.kind, rl.details.retryAfterMs, rl.details.upstreamCode, rl.details.status]).toEqual([
      'rate_limited',
      13000,
      'RESOURCE_EXHAUSTED',
      429,
    ]);
    expect(
      err(429, {
        error: {
          status: 'RESOURCE_EXHAUSTED',
          message: 'q',
          details: [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '0.2s' }],
        },
      }).details.retryAfterMs,
    ).toBe(200);
    expect(
      err(400, {
        error: {
          code: 400,
          status: 'INVALID_ARGUMENT',
          message: 'API key not valid.',
          details: [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'API_KEY_INVALID' }],
        },
      }).kind,
    ).toBe('auth');
    expect(
      err(400, {
        error: {
          status: 'INVALID_ARGUMENT',
          message: 'The input token count (2000000) exceeds the maximum number of tokens allowed (1048576).',
        },
      }).kind,
    ).toBe('context_length_exceeded');
    expect(err(400, { error: { status: 'FAILED_PRECONDITION', message: 'User location is not supported' } }).kind).toBe('bad_request');
    expect(err(403, { error: { status: 'PERMISSION_DENIED', message: 'no' } }).kind).toBe('auth');
    expect(err(404, [{ error: { status: 'NOT_FOUND', message: 'models/x is not found' } }]).kind).toBe('not_found');
    expect(err(500, { error: { status: 'INTERNAL', message: 'x' } }).kind).toBe('server_error');
    expect(err(503, { error: { status: 'UNAVAILABLE', message: 'The model is overloaded.' } }).kind).toBe('overloaded');
    expect(err(502, '<html>Bad Gateway</html>').kind).toBe('server_error');
  });
});
