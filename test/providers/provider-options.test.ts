// Every adapter the factory builds refuses provider options that would set what Switchyard
// owns (model, streaming, token limits, the conversation, the request's tools, billing), in
// any spelling the upstream's parser would accept, before a byte goes upstream; allowed
// options merge into the body without touching what is owned.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Secret } from '../../src/config/secret.js';
import { chatEvents } from '../../src/providers/batches.js';
import { UpstreamError } from '../../src/providers/errors.js';
import { closeUpstreamPools } from '../../src/providers/http.js';
import { createAdapter } from '../../src/providers/index.js';
import { forbiddenOptions, mergeProviderOptions, OPENAI_OWNED } from '../../src/providers/options.js';
import type { ChatCall, ProviderEndpoint } from '../../src/providers/types.js';

/** Records every request body and answers 400, so a call that gets through fails fast. */
let server: Server;
let baseUrl = '';
const bodies: Record<string, unknown>[] = [];
beforeAll(async () => {
  server = createServer((req, res) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (text += c));
    req.on('end', () => {
      bodies.push(JSON.parse(text || '{}') as Record<string, unknown>);
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end('{"error":{"message":"recorded","type":"invalid_request_error"}}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await closeUpstreamPools();
  await new Promise((r) => server.close(r));
});

type Kind = ProviderEndpoint['kind'];
const TIMEOUTS = { connectMs: 2_000, firstByteMs: 2_000, idleMs: 2_000 };
const adapterOf = (kind: Kind, preset?: string) =>
  createAdapter({
    id: `p-${kind}`,
    kind,
    baseUrl: kind === 'openai' || kind === 'openai_compatible' || kind === 'openrouter' ? `${baseUrl}/v1` : baseUrl,
    apiKey: new Secret('sk-test'),
    ...(preset ? { preset } : {}),
    timeouts: TIMEOUTS,
  });

/** A call with every feature that makes more of the body owned: tools, a choice, JSON output, reasoning. */
function fullCall(providerOptions: Record<string, unknown>): ChatCall {
  return {
    model: 'm',
    messages: [{ role: 'user', content: 'Hi', parts: [], toolCalls: [] }],
    options: { maxOutputTokens: 8, reasoningEffort: 'low', responseFormat: { type: 'json_object' } },
    tools: [{ name: 'lookup', description: 'd', parameters: { type: 'object', properties: {} } }],
    toolChoice: { mode: 'auto' },
    providerOptions,
    signal: new AbortController().signal,
  };
}

/** Builds {a: {b: v}} from "a.b". */
function nest(path: string, value: unknown): Record<string, unknown> {
  return path
    .split('.')
    .reduceRight<Record<string, unknown>>((inner, key, i, all) => (i === all.length - 1 ? { [key]: value } : { [key]: inner }), {});
}

async function refusal(kind: Kind, options: Record<string, unknown>, preset?: string): Promise<UpstreamError> {
  try {
    for await (const _ of chatEvents(adapterOf(kind, preset), fullCall(options))) void _;
  } catch (err) {
    return err as UpstreamError;
  }
  throw new Error('the call was not refused');
}

// Written out here, not read from the source's tables, so dropping one there fails this test.
const OWNED: Array<{ kind: Kind; preset?: string; paths: string[] }> = [
  {
    kind: 'openai',
    paths: [
      'model',
      'messages',
      'stream',
      'stream_options',
      'max_tokens',
      'max_completion_tokens',
      'n',
      'best_of',
      'service_tier',
      'prediction',
      'audio',
      'modalities',
      'web_search_options',
      'functions',
      'function_call',
      'tools',
      'tool_choice',
      'response_format',
      'reasoning_effort',
    ],
  },
  {
    kind: 'openai_compatible',
    preset: 'vllm',
    paths: ['model', 'max_tokens', 'max_new_tokens', 'n_predict', 'max_output_tokens', 'n', 'best_of', 'stream', 'messages', 'tools'],
  },
  { kind: 'openai_compatible', preset: 'mistral', paths: ['model', 'max_tokens', 'stream_options', 'messages'] },
  {
    kind: 'openrouter',
    paths: ['model', 'models', 'route', 'plugins', 'transforms', 'max_tokens', 'stream', 'messages', 'reasoning', 'tools', 'tool_choice'],
  },
  { kind: 'huggingface', paths: ['model', 'max_tokens', 'max_completion_tokens', 'stream', 'stream_options', 'messages', 'n', 'tools'] },
  {
    kind: 'anthropic',
    paths: [
      'model',
      'messages',
      'system',
      'max_tokens',
      'stream',
      'service_tier',
      'inference_geo',
      'container',
      'mcp_servers',
      'tools',
      'tool_choice',
      'thinking',
    ],
  },
  {
    kind: 'gemini',
    paths: [
      'model',
      'contents',
      'systemInstruction',
      'cachedContent',
      'generationConfig.maxOutputTokens',
      'generationConfig.candidateCount',
      'generationConfig.responseMimeType',
      'generationConfig.thinkingConfig',
      'tools',
      'toolConfig',
    ],
  },
  { kind: 'ollama', paths: ['model', 'messages', 'stream', 'options.num_predict', 'tools', 'format', 'think'] },
];

/** Other spellings the upstream's parser takes: upper case (Go), snake_case ⇄ camelCase (Google). */
function respell(path: string): string[] {
  const snake = path.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
  const camel = path.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
  return [...new Set([path.toUpperCase(), snake, camel])].filter((p) => p !== path);
}

describe('owned provider options are refused by every adapter, before any upstream request', () => {
  for (const { kind, preset, paths } of OWNED) {
    it(`${kind}${preset ? ` (${preset})` : ''}`, async () => {
      const before = bodies.length;
      for (const path of paths) {
        for (const spelling of [path, ...respell(path)]) {
          const err = await refusal(kind, nest(spelling, 99999), preset);
          expect(err, spelling).toBeInstanceOf(UpstreamError);
          expect(err.kind, spelling).toBe('bad_request');
          expect(err.message, spelling).toContain(spelling);
        }
      }
      // An object where an owned path runs through it may not be replaced by a non-object either.
      const parent = paths.find((p) => p.includes('.'))?.split('.')[0];
      if (parent) expect((await refusal(kind, { [parent]: null }, preset)).message).toContain(parent);
      expect(bodies.length).toBe(before);
    });
  }
});

describe('allowed provider options merge into the body', () => {
  const sent = async (kind: Kind, options: Record<string, unknown>, call: Partial<ChatCall> = {}) => {
    const before = bodies.length;
    const adapter = adapterOf(kind);
    await expect(
      (async () => {
        for await (const _ of chatEvents(adapter, {
          ...fullCall(options),
          tools: [],
          toolChoice: undefined,
          options: { maxOutputTokens: 8 },
          ...call,
        }))
          void _;
      })(),
    ).rejects.toBeInstanceOf(UpstreamError);
    expect(bodies.length).toBe(before + 1);
    return bodies.at(-1)!;
  };

  it('OpenAI: top-level keys are added; without tools in the request, tools may come from options', async () => {
    const body = await sent('openai', { user: 'u', logit_bias: { '50256': -100 }, tools: [{ type: 'function', function: { name: 'x' } }] });
    expect(body).toMatchObject({ model: 'm', max_tokens: 8, stream: true, user: 'u', logit_bias: { '50256': -100 } });
    expect(body.tools).toEqual([{ type: 'function', function: { name: 'x' } }]);
  });

  it('Gemini: generationConfig merges key by key, in either spelling, keeping maxOutputTokens', async () => {
    const body = await sent('gemini', {
      generation_config: { topK: 3 },
      safetySettings: [{ category: 'HARM_CATEGORY_HATE_SPEECH', threshold: 'BLOCK_NONE' }],
    });
    expect(body.generationConfig).toEqual({ maxOutputTokens: 8, topK: 3 });
    expect(body).not.toHaveProperty('generation_config');
    expect(body.safetySettings).toHaveLength(1);
  });

  it('Ollama: options merge key by key, keeping num_predict', async () => {
    const body = await sent('ollama', { Options: { num_ctx: 8192 }, keep_alive: '5m' });
    expect(body.options).toEqual({ num_predict: 8, num_ctx: 8192 });
    expect(body.keep_alive).toBe('5m');
  });

  it('Anthropic: metadata is added beside the owned max_tokens', async () => {
    const body = await sent('anthropic', { metadata: { user_id: 'u-1' } });
    expect(body).toMatchObject({ model: 'm', max_tokens: 8, stream: true, metadata: { user_id: 'u-1' } });
  });
});

describe('the merge itself', () => {
  it('a "__proto__" key from JSON stays a plain key', () => {
    const options = JSON.parse('{"__proto__": {"polluted": true}, "user": "u"}') as Record<string, unknown>;
    const merged = mergeProviderOptions({ model: 'm' }, { providerOptions: options, tools: [], options: {} }, OPENAI_OWNED) as Record<
      string,
      unknown
    >;
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(merged)).toBe(Object.prototype);
    expect(JSON.parse(JSON.stringify(merged))).toEqual({ model: 'm', user: 'u', ['__proto__']: { polluted: true } });
  });

  it('tools and tool_choice are owned only when the request carries them', () => {
    expect(forbiddenOptions({ tools: [], tool_choice: 'auto' }, ['model'])).toEqual([]);
    expect(forbiddenOptions({ tools: [] }, ['tools'])).toEqual(['tools']);
  });
});
