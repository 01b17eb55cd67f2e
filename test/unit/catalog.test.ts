// The runtime catalog: loading the embedded snapshot, resolve(), list() with filters and paging,
// and operator overrides.
import { describe, expect, it } from 'vitest';
import {
  Catalog,
  DEFAULT_PAGE_SIZE,
  InvalidPageTokenError,
  MAX_PAGE_SIZE,
  applyOverrides,
  loadEmbeddedCatalog,
} from '../../src/catalog/catalog.js';
import type { ModelFilter } from '../../src/catalog/catalog.js';
import type { ModelEntry } from '../../src/catalog/types.js';
import { SwitchyardError } from '../../src/errors.js';
import { model } from '../helpers/models.js';

const embedded = loadEmbeddedCatalog();
const catalog = new Catalog(embedded.models, { baseVersion: embedded.version });

/** Walks every page and returns all models plus the page count. */
function walk(c: Catalog, filter: ModelFilter, pageSize: number): { ids: string[]; pages: number; totals: Set<number> } {
  const ids: string[] = [];
  const totals = new Set<number>();
  let token = '';
  let pages = 0;
  do {
    const page = c.list(filter, pageSize, token);
    ids.push(...page.models.map((m) => m.id));
    totals.add(page.total);
    token = page.nextPageToken;
    pages++;
  } while (token !== '' && pages < 10_000);
  return { ids, pages, totals };
}

describe('embedded catalog', () => {
  it('loads once, with version, sources and bigint prices', () => {
    expect(loadEmbeddedCatalog()).toBe(embedded);
    expect(embedded.version).toMatch(/^[0-9a-f]{16}$/);
    expect(embedded.unit).toBe('pico-USD per token');
    expect(embedded.sources.map((s) => s.licence)).toContain('MIT');
    const gpt4o = embedded.models.find((m) => m.id === 'openai/gpt-4o');
    expect(gpt4o?.pricing.input).toBe(2500000n);
    expect(gpt4o?.pricing.output).toBe(10000000n);
    expect(Catalog.fromEmbedded().version).toBe(embedded.version);
    expect(catalog.size).toBe(embedded.models.length);
  });
});

describe('get and resolve', () => {
  it('finds an exact id', () => {
    expect(catalog.get('anthropic/claude-sonnet-4-5')?.upstreamModel).toBe('claude-sonnet-4-5');
    expect(catalog.resolve('openrouter/openai/gpt-4o')?.vendor).toBe('openrouter');
    expect(catalog.get('gpt-4o')).toBeUndefined();
    expect(catalog.resolve('no-such-model')).toBeUndefined();
  });

  it('resolves a bare name to the direct vendor', () => {
    expect(catalog.resolve('gpt-4o')?.id).toBe('openai/gpt-4o');
    expect(catalog.resolve('gemini-2.5-pro')?.id).toBe('gemini/gemini-2.5-pro');
  });

  it('prefers the given vendors, then the default order, never OpenRouter over a direct vendor', () => {
    // Served by groq, together and openrouter under the same upstream name.
    const name = 'openai/gpt-oss-120b';
    expect(catalog.resolve(name)?.id).toBe('groq/openai/gpt-oss-120b');
    expect(catalog.resolve(name, ['together'])?.id).toBe('together/openai/gpt-oss-120b');
    expect(catalog.resolve(name, ['openrouter'])?.id).toBe('groq/openai/gpt-oss-120b');
    expect(catalog.resolve(name, ['openrouter', 'together'])?.id).toBe('together/openai/gpt-oss-120b');
    // Only OpenRouter has it: OpenRouter answers.
    expect(catalog.resolve('x-ai/grok-4.5')?.id).toBe('openrouter/x-ai/grok-4.5');
  });

  it('ranks unknown vendors after known direct vendors and before OpenRouter', () => {
    const c = new Catalog([model('openrouter/llama'), model('zeta/llama'), model('ollama/llama'), model('acme/llama')]);
    expect(c.resolve('llama')?.id).toBe('ollama/llama');
    expect(new Catalog([model('openrouter/llama'), model('zeta/llama'), model('acme/llama')]).resolve('llama')?.id).toBe('acme/llama');
  });
});

describe('list', () => {
  it('pages through everything in id order with a stable total', () => {
    const { ids, pages, totals } = walk(catalog, {}, 97);
    expect(ids).toEqual(catalog.all().map((m) => m.id));
    expect(new Set(ids).size).toBe(ids.length);
    expect(pages).toBe(Math.ceil(ids.length / 97));
    expect([...totals]).toEqual([ids.length]);
  });

  it('applies every filter', () => {
    const all = catalog.all();
    const cases: [ModelFilter, (m: ModelEntry) => boolean][] = [
      [{ vendor: 'anthropic' }, (m) => m.vendor === 'anthropic'],
      [{ kind: 'embedding' }, (m) => m.kind === 'embedding'],
      [{ capabilities: ['tools', 'vision'] }, (m) => m.capabilities.includes('tools') && m.capabilities.includes('vision')],
      [{ minContextTokens: 1_000_000 }, (m) => m.contextWindow >= 1_000_000],
      [{ localOnly: true }, (m) => m.local],
      [{ query: 'CLAUDE' }, (m) => m.id.toLowerCase().includes('claude')],
      [
        { vendor: 'openai', kind: 'chat', capabilities: ['reasoning'], query: 'gpt-5' },
        (m) => m.vendor === 'openai' && m.kind === 'chat' && m.capabilities.includes('reasoning') && m.id.includes('gpt-5'),
      ],
    ];
    for (const [filter, predicate] of cases) {
      const expected = all.filter(predicate).map((m) => m.id);
      expect(expected.length, JSON.stringify(filter)).toBeGreaterThan(0);
      const { ids, totals } = walk(catalog, filter, 7);
      expect(ids, JSON.stringify(filter)).toEqual(expected);
      expect([...totals]).toEqual([expected.length]);
    }
    expect(catalog.list({ vendor: 'nobody' })).toEqual({ models: [], total: 0, nextPageToken: '' });
  });

  it('defaults and caps the page size, rejects a negative one', () => {
    expect(catalog.list({}, 0).models).toHaveLength(DEFAULT_PAGE_SIZE);
    expect(catalog.list({}, 5000).models).toHaveLength(Math.min(MAX_PAGE_SIZE, catalog.size));
    expect(() => catalog.list({}, -1)).toThrow(SwitchyardError);
  });

  it('rejects a token used with other filters, or a forged one', () => {
    const first = catalog.list({ vendor: 'openai' }, 10);
    expect(first.nextPageToken).not.toBe('');
    expect(() => catalog.list({ vendor: 'anthropic' }, 10, first.nextPageToken)).toThrow(InvalidPageTokenError);
    expect(() => catalog.list({ vendor: 'openai' }, 10, 'not-a-token!')).toThrow(/malformed/);
    expect(() => catalog.list({}, 10, Buffer.from('openai/gpt-4o').toString('base64url'))).toThrow(InvalidPageTokenError);
    // Same filters written differently, or another page size, keep the token valid.
    const again = catalog.list({ vendor: 'openai', capabilities: [], query: '' }, 25, first.nextPageToken);
    expect(again.models[0]!.id > first.models[9]!.id).toBe(true);
    let caught: unknown;
    try {
      catalog.list({ vendor: 'anthropic' }, 10, first.nextPageToken);
    } catch (err) {
      caught = err;
    }
    expect(caught).toMatchObject({ kind: 'invalid_argument', reason: 'INVALID_PAGE_TOKEN' });
  });

  it('keeps paging stable when the model after the token is gone', () => {
    const entries = ['a/1', 'a/2', 'a/3', 'a/4'].map((id) => model(id));
    const page = new Catalog(entries).list({}, 2);
    const smaller = new Catalog(entries.filter((e) => e.id !== 'a/3'));
    expect(smaller.list({}, 2, page.nextPageToken).models.map((m) => m.id)).toEqual(['a/4']);
  });
});

describe('overrides', () => {
  const entries = [model('openai/gpt-4o'), model('anthropic/claude-x'), model('ollama/llama3')];

  it('patches fields, adds models with defaults and hides disabled ones', () => {
    const before = structuredClone(entries);
    const { entries: out, quality } = applyOverrides(entries, [
      { modelId: 'openai/gpt-4o', patch: { contextWindow: 64_000, pricing: { ...entries[0]!.pricing, input: 1n } }, quality: 80 },
      { modelId: 'anthropic/claude-x', patch: {}, disabled: true, quality: 50 },
      { modelId: 'vllm/my-model', patch: { contextWindow: 32_000 }, source: 'admin' },
    ]);
    expect(entries).toEqual(before); // never mutated
    const byId = new Map(out.map((e) => [e.id, e]));
    expect(byId.get('openai/gpt-4o')).toMatchObject({ contextWindow: 64_000, maxOutputTokens: 16_384, source: 'config' });
    expect(byId.get('openai/gpt-4o')?.pricing.input).toBe(1n);
    expect(byId.has('anthropic/claude-x')).toBe(false);
    expect(byId.get('vllm/my-model')).toMatchObject({
      vendor: 'vllm',
      upstreamModel: 'my-model',
      kind: 'chat',
      contextWindow: 32_000,
      capabilities: ['streaming'],
      source: 'admin',
      local: false,
      pricing: { input: 0n, output: 0n, cachedInput: 0n, cacheWriteInput: 0n, reasoning: 0n, tiers: [] },
    });
    expect(byId.get('vllm/my-model')?.parameters.temperature).toEqual({ state: 'opaque' });
    expect([...quality]).toEqual([['openai/gpt-4o', 80]]);
  });

  it('a later override wins, and re-enables a disabled model', () => {
    const { entries: out } = applyOverrides(entries, [
      { modelId: 'ollama/llama3', patch: { displayName: 'one' }, disabled: true },
      { modelId: 'ollama/llama3', patch: { displayName: 'two' }, disabled: false },
    ]);
    expect(out.find((e) => e.id === 'ollama/llama3')?.displayName).toBe('two');
  });

  it('rejects an added model id that is not vendor/model', () => {
    expect(() => applyOverrides(entries, [{ modelId: 'bare', patch: {} }])).toThrow(/vendor\/model/);
  });

  it('flow into the catalog: lookups, listing, quality and version', () => {
    const overrides = [
      { modelId: 'openai/gpt-4o', patch: {}, disabled: true },
      { modelId: 'openai/gpt-4o-mini', patch: {}, quality: 70 },
    ];
    const c = new Catalog(embedded.models, { baseVersion: embedded.version, overrides });
    expect(c.get('openai/gpt-4o')).toBeUndefined();
    expect(c.resolve('gpt-4o')?.id).not.toBe('openai/gpt-4o');
    expect(c.list({ query: 'openai/gpt-4o' }, 1000).models.map((m) => m.id)).not.toContain('openai/gpt-4o');
    expect(c.quality('openai/gpt-4o-mini')).toBe(70);
    expect(c.quality('openai/o3')).toBeUndefined();
    expect(c.version).toMatch(new RegExp(`^${embedded.version}\\+[0-9a-f]{8}$`));
    const same = new Catalog(embedded.models, { baseVersion: embedded.version, overrides: structuredClone(overrides) });
    expect(same.version).toBe(c.version);
    const other = new Catalog(embedded.models, { baseVersion: embedded.version, overrides: [{ modelId: 'openai/o3', patch: {} }] });
    expect(other.version).not.toBe(c.version);
  });
});

describe('resolve with a hidden direct model', () => {
  it('does not fall through to OpenRouter for a "vendor/model" id', async () => {
    const { Catalog } = await import('../../src/catalog/catalog.js');
    const c = Catalog.fromEmbedded([{ modelId: 'openai/gpt-4o', patch: {}, disabled: true }]);
    expect(c.get('openrouter/openai/gpt-4o')).toBeDefined();
    expect(c.resolve('openai/gpt-4o')).toBeUndefined();
  });
});
