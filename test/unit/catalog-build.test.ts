// The catalog build: exact price conversion, source mapping, parameter rules, and that the
// committed catalog.json is exactly what the build script writes from the shared datasets.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CATALOG_PATH, DEFAULT_DATA_DIR, buildFromDir } from '../../scripts/build-catalog.js';
import { LITELLM_FILE } from '../../src/catalog/build/build.js';
import { litellmDraft, litellmUpstream } from '../../src/catalog/build/litellm.js';
import { openRouterCandidates, openRouterDraft } from '../../src/catalog/build/openrouter.js';
import { MAX_ROUNDED_PRICES, PriceConverter } from '../../src/catalog/build/prices.js';
import { parseCatalogFile } from '../../src/catalog/embedded.js';
import { deriveParameters, isOpenAIReasoningModel } from '../../src/catalog/parameters.js';
import { NonRepresentablePriceError, convertUsdPerToken, normalizeUsd, usdToPico } from '../../src/catalog/price.js';
import { PARAMETER_NAMES } from '../../src/catalog/types.js';

describe('price conversion', () => {
  it.each([
    [3.0001999999999996e-7, 300020n],
    [5.46875e-7, 546875n],
    [2.5e-6, 2500000n],
    [3.625e-9, 3625n],
    [1.5e-5, 15000000n],
    [0, 0n],
    ['0.0000006000000000000001', 600000n], // OpenRouter's decimal strings carry the same noise
    ['0.00000100000000000000015', 1000000n],
    ['0.000000003625', 3625n],
  ])('%s USD/token → %s pico-USD', (usd, pico) => {
    expect(usdToPico(usd)).toBe(pico);
  });

  it('normalises to 12 significant digits without trailing zeros', () => {
    expect(normalizeUsd(3.0001999999999996e-7)).toBe('3.0002e-7');
    expect(normalizeUsd(2.5e-6)).toBe('0.0000025');
    expect(normalizeUsd(15)).toBe('15');
  });

  it('rejects a price below one pico-USD', () => {
    expect(() => usdToPico(1e-13)).toThrow(NonRepresentablePriceError);
    expect(() => usdToPico('0.00000008333333333333334')).toThrow(/not a whole number of pico-USD/);
    expect(convertUsdPerToken('0.00000008333333333333334')).toEqual({ pico: 83333n, exact: false, decimal: '8.33333333333e-8' });
  });

  it('rejects negative and non-numeric prices', () => {
    expect(() => usdToPico(-1)).toThrow(RangeError);
    expect(() => usdToPico('abc')).toThrow(RangeError);
  });

  it('the build records rounded and variable prices and fails past the limit', () => {
    const prices = new PriceConverter();
    expect(prices.convert('-1', 'openrouter/openrouter/auto', 'prompt')).toBe(0n);
    expect(prices.variable).toHaveLength(1);
    for (let i = 0; i <= MAX_ROUNDED_PRICES; i++) prices.convert(1e-13, `m${i}`, 'input');
    expect(() => prices.check()).toThrow(/not a whole number of pico-USD[\s\S]*m0 input/);
    expect(() => prices.convert({}, 'm', 'input')).toThrow(/not a price/);
  });
});

describe('LiteLLM mapping', () => {
  const keys = new Set(['fireworks_ai/accounts/fireworks/routers/kimi-fast', 'gemini/gemini-pro-latest']);
  const draft = (key: string, r: Record<string, unknown>) => litellmDraft(key, r, keys, new PriceConverter(), {})?.draft;

  it('maps supports_* flags to capabilities', () => {
    const d = draft('gpt-x', {
      litellm_provider: 'openai',
      mode: 'chat',
      input_cost_per_token: 2.5e-6,
      supports_function_calling: true,
      supports_parallel_function_calling: true,
      supports_vision: true,
      supports_response_schema: true,
      supports_reasoning: true,
      supports_prompt_caching: true,
      supports_audio_input: true,
    });
    expect(d?.capabilities).toEqual([
      'tools',
      'vision',
      'json_output',
      'streaming',
      'reasoning',
      'json_schema',
      'parallel_tools',
      'prompt_caching',
      'audio_input',
      'system_messages',
    ]);
    const plain = draft('gemini/gemma-x', { litellm_provider: 'gemini', mode: 'chat', supports_system_messages: false });
    expect(plain?.capabilities).toEqual(['streaming']);
  });

  it('maps embedding models, dimensions and locality', () => {
    const e = draft('text-embedding-3-large', {
      litellm_provider: 'openai',
      mode: 'embedding',
      output_vector_size: 3072,
      max_input_tokens: 8191,
    });
    expect(e).toMatchObject({ kind: 'embedding', embeddingDimensions: 3072, contextWindow: 8191, maxOutputTokens: 0 });
    expect(e?.capabilities).toEqual(['embeddings', 'embedding_dimensions']);
    expect(draft('ollama/llama3', { litellm_provider: 'ollama', mode: 'chat' })?.local).toBe(true);
    expect(draft('ollama/gpt-oss:20b-cloud', { litellm_provider: 'ollama', mode: 'chat' })?.local).toBe(false);
  });

  it('converts prices, cache prices and long-context tiers', () => {
    const d = draft('claude-x', {
      litellm_provider: 'anthropic',
      mode: 'chat',
      input_cost_per_token: 3e-6,
      output_cost_per_token: 1.5e-5,
      cache_read_input_token_cost: 3e-7,
      cache_creation_input_token_cost: 3.75e-6,
      output_cost_per_reasoning_token: 1.5e-5,
      input_cost_per_token_above_200k_tokens: 6e-6,
      output_cost_per_token_above_200k_tokens: 2.25e-5,
      input_cost_per_token_above_128k_tokens: 4e-6,
      input_cost_per_token_above_200k_tokens_priority: 9e-6,
    });
    expect(d?.pricing).toEqual({
      input: 3000000n,
      output: 15000000n,
      cachedInput: 300000n,
      cacheWriteInput: 3750000n,
      reasoning: 0n, // equal to output: billed as output
      tiers: [
        { aboveInputTokens: 128000, input: 4000000n, output: 0n, cachedInput: 0n },
        { aboveInputTokens: 200000, input: 6000000n, output: 22500000n, cachedInput: 0n },
      ],
    });
  });

  it('names upstream models and skips templates', () => {
    expect(litellmUpstream('ft:gpt-4o', 'openai', keys)).toEqual({ skip: 'fine_tune_template' });
    expect(litellmUpstream('together-ai-21.1b-41b', 'together_ai', keys)).toEqual({ skip: 'size_price_template' });
    expect(litellmUpstream('openai/container', 'openai', keys)).toEqual({ skip: 'not_a_model' });
    expect(litellmUpstream('gemini/gemini-2.5-pro', 'gemini', keys)).toEqual({ upstream: 'gemini-2.5-pro', canonical: true });
    expect(litellmUpstream('gemini-pro-latest', 'gemini', keys)).toEqual({ upstream: 'gemini-pro-latest', canonical: false });
    expect(litellmUpstream('fireworks_ai/kimi-fast', 'fireworks_ai', keys)).toEqual({
      upstream: 'accounts/fireworks/routers/kimi-fast',
      canonical: false,
    });
    expect(litellmUpstream('groq/openai/gpt-oss-20b', 'groq', keys)).toEqual({ upstream: 'openai/gpt-oss-20b', canonical: true });
  });
});

describe('OpenRouter mapping', () => {
  it('maps prices, tiers and capabilities', () => {
    const d = openRouterDraft(
      {
        id: 'x-ai/grok-9',
        name: 'xAI: Grok 9',
        context_length: 1000000,
        architecture: { input_modalities: ['text', 'image'] },
        pricing: {
          prompt: '0.000002',
          completion: '0.000006',
          input_cache_read: '0.0000003',
          overrides: [{ min_prompt_tokens: 200000, prompt: '0.000004', completion: '0.000012', input_cache_read: '0.0000006' }],
        },
        top_provider: { max_completion_tokens: 30000 },
        supported_parameters: ['tools', 'structured_outputs', 'response_format', 'reasoning', 'temperature'],
      },
      new PriceConverter(),
    );
    expect(d).toMatchObject({ id: 'openrouter/x-ai/grok-9', upstreamModel: 'x-ai/grok-9', contextWindow: 1000000, maxOutputTokens: 30000 });
    expect(d.pricing.tiers).toEqual([{ aboveInputTokens: 200000, input: 4000000n, output: 12000000n, cachedInput: 600000n }]);
    expect(d.capabilities).toEqual([
      'tools',
      'vision',
      'json_output',
      'streaming',
      'reasoning',
      'json_schema',
      'prompt_caching',
      'system_messages',
    ]);
  });

  it('finds OpenRouter ids for direct-vendor names', () => {
    expect(openRouterCandidates('anthropic', 'claude-sonnet-4-5-20250929')).toContain('anthropic/claude-sonnet-4.5');
    expect(openRouterCandidates('anthropic', 'claude-4-opus-20250514')).toContain('anthropic/claude-opus-4');
    expect(openRouterCandidates('anthropic', 'claude-3-7-sonnet-20250219')).toContain('anthropic/claude-3.7-sonnet');
    expect(openRouterCandidates('openai', 'gpt-5-2025-08-07')).toContain('openai/gpt-5');
    expect(openRouterCandidates('gemini', 'gemini-gemma-2-27b-it')).toContain('google/gemma-2-27b-it');
    expect(openRouterCandidates('groq', 'llama-3.3-70b-versatile')).toEqual([]);
  });
});

describe('parameter rules', () => {
  const base = { capabilities: ['streaming', 'tools'] as const, maxOutputTokens: 4096, kind: 'chat' as const };

  it('covers every parameter name', () => {
    const s = deriveParameters({ ...base, vendor: 'other', upstreamModel: 'x' });
    expect(Object.keys(s)).toEqual([...PARAMETER_NAMES]);
    expect(s.temperature).toEqual({ state: 'opaque' });
    expect(s.max_output_tokens).toEqual({ state: 'mutable', min: 1, max: 4096 });
  });

  it('applies provider knowledge without OpenRouter data', () => {
    const claude = deriveParameters({ ...base, vendor: 'anthropic', upstreamModel: 'claude-x' });
    expect(claude.temperature).toEqual({ state: 'mutable', min: 0, max: 1, default: 1 });
    expect(claude.seed.state).toBe('unsupported');
    expect(claude.response_format.state).toBe('unsupported');
    const o4 = deriveParameters({ ...base, vendor: 'openai', upstreamModel: 'o4-mini', capabilities: ['reasoning'] });
    expect(o4.temperature).toEqual({ state: 'read_only', value: 1 });
    expect(o4.reasoning_effort).toEqual({ state: 'mutable', allowedValues: ['low', 'medium', 'high'] });
    expect(o4.tools.state).toBe('unsupported');
    const flagged = deriveParameters({
      ...base,
      vendor: 'openai',
      upstreamModel: 'gpt-5.9',
      capabilities: ['reasoning'],
      effortFlags: { minimal: false, none: true, xhigh: true },
    });
    expect(flagged.reasoning_effort).toMatchObject({ allowedValues: ['none', 'low', 'medium', 'high', 'xhigh'] });
    expect(isOpenAIReasoningModel('gpt-5-chat-latest')).toBe(false);
    expect(isOpenAIReasoningModel('openai/o3-mini-high')).toBe(true);
  });

  it('lets OpenRouter decide what it lists, within the family range', () => {
    const s = deriveParameters({
      ...base,
      vendor: 'openrouter',
      upstreamModel: 'mistralai/some-model',
      openRouter: { supportedParameters: ['temperature', 'max_tokens'], defaultParameters: { temperature: 0.3, top_p: null } },
    });
    expect(s.temperature).toEqual({ state: 'mutable', min: 0, max: 2, default: 0.3 });
    expect(s.top_p).toEqual({ state: 'unsupported', reason: 'not in OpenRouter supported_parameters' });
    expect(s.top_k.state).toBe('unsupported'); // Mistral has no top_k at all
  });

  describe('on real models of the committed catalog', () => {
    const models = new Map(parseCatalogFile(readFileSync(CATALOG_PATH, 'utf8')).models.map((m) => [m.id, m]));
    const params = (id: string) => {
      const m = models.get(id);
      if (!m) throw new Error(`${id} missing from catalog`);
      return m.parameters;
    };

    it('gpt-4o: full OpenAI sampling surface, no top_k', () => {
      const p = params('openai/gpt-4o');
      expect(p.temperature).toEqual({ state: 'mutable', min: 0, max: 2, default: 1 });
      expect(p.top_k.state).toBe('unsupported');
      expect(p.reasoning_effort.state).toBe('unsupported');
      expect(p.response_format).toEqual({ state: 'mutable', allowedValues: ['text', 'json_object', 'json_schema'] });
    });

    it('o3 and gpt-5: temperature fixed at 1, reasoning effort settable', () => {
      for (const id of ['openai/o3', 'openai/gpt-5']) {
        const p = params(id);
        expect(p.temperature).toEqual({ state: 'read_only', value: 1 });
        expect(p.top_p).toEqual({ state: 'read_only', value: 1 });
        expect(p.presence_penalty.state).toBe('unsupported');
        expect(p.reasoning_effort.state).toBe('mutable');
      }
      expect(params('openai/gpt-5').reasoning_effort).toEqual({
        state: 'mutable',
        allowedValues: ['minimal', 'low', 'medium', 'high'],
        default: 'medium',
      });
    });

    it('claude-sonnet-4-5: temperature 0..1, no seed or penalties', () => {
      const p = params('anthropic/claude-sonnet-4-5');
      expect(p.temperature).toMatchObject({ state: 'mutable', min: 0, max: 1 });
      expect(p.top_k.state).toBe('mutable');
      expect(p.seed.state).toBe('unsupported');
      expect(p.frequency_penalty.state).toBe('unsupported');
      expect(p.max_output_tokens).toEqual({ state: 'mutable', min: 1, max: 64000 });
    });

    it('gemini-2.5-pro: temperature 0..2, tools and JSON schema', () => {
      const p = params('gemini/gemini-2.5-pro');
      expect(p.temperature).toMatchObject({ state: 'mutable', min: 0, max: 2 });
      expect(p.tools.state).toBe('mutable');
      expect(p.response_format).toMatchObject({ allowedValues: ['text', 'json_object', 'json_schema'] });
    });

    it('text-embedding-3-small: no chat parameter', () => {
      const p = params('openai/text-embedding-3-small');
      for (const name of PARAMETER_NAMES) expect(p[name].state).toBe('unsupported');
    });
  });
});

const haveData = existsSync(join(DEFAULT_DATA_DIR, LITELLM_FILE));

// ../shared/data is present in CI and on every dev machine; its absence is a failure, not a skip.
describe('committed catalog.json', () => {
  it('has its source datasets beside the repo', () => expect(haveData).toBe(true));

  const built = haveData ? buildFromDir(DEFAULT_DATA_DIR) : undefined;

  it('is exactly what scripts/build-catalog.ts writes now (run `npm run catalog:build`)', () => {
    // Compare as text so any byte difference fails, but report a short diff, not 1 MB.
    const committed = readFileSync(CATALOG_PATH, 'utf8');
    const a = committed.split('\n');
    const b = built!.text.split('\n');
    const i = a.findIndex((line, k) => line !== b[k]);
    const diff = i === -1 && a.length === b.length ? 'identical' : `line ${i + 1}:\n- ${a[i]?.slice(0, 300)}\n+ ${b[i]?.slice(0, 300)}`;
    expect(diff).toBe('identical');
    expect(parseCatalogFile(committed).version).toBe(built!.version);
  });

  it('is deterministic and stays compact', () => {
    expect(buildFromDir(DEFAULT_DATA_DIR).text).toBe(built!.text);
    expect(Buffer.byteLength(built!.text)).toBeLessThan(3 * 1024 * 1024);
  });

  it('rounds only the known sub-pico prices', () => {
    expect(new Set(built!.prices.rounded.map((r) => `${r.field}=${r.source}`))).toEqual(
      new Set(['input_cache_write=0.00000008333333333333334']),
    );
  });

  it('has one entry per id, sorted, only supported vendors and kinds', () => {
    const ids = built!.models.map((m) => m.id);
    expect(ids).toEqual([...ids].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
    expect(new Set(ids.map((i) => i.toLowerCase())).size).toBe(ids.length);
    const vendors = new Set(built!.models.map((m) => m.vendor));
    for (const v of vendors) {
      expect([
        'openai',
        'anthropic',
        'gemini',
        'openrouter',
        'ollama',
        'mistral',
        'groq',
        'deepseek',
        'together',
        'fireworks',
        'huggingface',
        'xai',
      ]).toContain(v);
    }
    expect(ids.some((i) => i.includes('ft:'))).toBe(false);
  });
});
