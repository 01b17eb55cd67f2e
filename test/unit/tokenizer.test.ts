import { Tiktoken } from 'js-tiktoken/lite';
import cl100kRanks from 'js-tiktoken/ranks/cl100k_base';
import o200kRanks from 'js-tiktoken/ranks/o200k_base';
import { beforeAll, describe, expect, test } from 'vitest';
import { estimateInputTokens, estimateTextTokens, type EstimableMessage } from '../../src/routing/estimate.js';
import {
  countInputTokens,
  countTextTokens,
  encodingFor,
  encodingForRequest,
  EXACT_CHAR_BUDGET,
  loadTokenizer,
  OPENAI_REPLY_PRIMING,
  OPENAI_TOKENS_PER_MESSAGE,
  OPENAI_TOKENS_PER_NAME,
  type TokenCounter,
} from '../../src/routing/tokenizer.js';
import { loadEmbeddedCatalog } from '../../src/catalog/embedded.js';
import { Catalog } from '../../src/catalog/catalog.js';

const msg = (role: string, content: string, name?: string): EstimableMessage => ({
  role,
  content,
  parts: [],
  toolCalls: [],
  ...(name ? { name } : {}),
});

// The OpenAI cookbook's example conversation ("How to count tokens with tiktoken").
const COOKBOOK: EstimableMessage[] = [
  msg('system', 'You are a helpful, pattern-following assistant that translates corporate jargon into plain English.'),
  msg('system', 'New synergies will help drive top-line growth.', 'example_user'),
  msg('system', 'Things working well together will increase revenue.', 'example_assistant'),
  msg('system', "Let's circle back when we have more bandwidth to touch base on opportunities for increased leverage.", 'example_user'),
  msg('system', "Let's talk later when we're less busy about how to do better.", 'example_assistant'),
  msg('user', "This late pivot means we don't have time to boil the ocean for the client deliverable."),
];

/** The cookbook's num_tokens_from_messages, computed straight with the library. */
function cookbookCount(enc: Tiktoken, messages: EstimableMessage[]): number {
  let n = OPENAI_REPLY_PRIMING;
  for (const m of messages) {
    n += OPENAI_TOKENS_PER_MESSAGE + enc.encode(m.role!).length + enc.encode(m.content).length;
    if (m.name) n += OPENAI_TOKENS_PER_NAME + enc.encode(m.name).length;
  }
  return n;
}

describe('tiktoken counts', () => {
  let o200k: TokenCounter;
  let cl100k: TokenCounter;
  const libO200k = new Tiktoken(o200kRanks);
  const libCl100k = new Tiktoken(cl100kRanks);
  beforeAll(async () => {
    o200k = await loadTokenizer('o200k_base');
    cl100k = await loadTokenizer('cl100k_base');
  }, 30_000);

  test('known counts', () => {
    expect(cl100k.count('hello world')).toBe(2);
    expect(o200k.count('hello world')).toBe(2);
    // The cookbook's own example: "tiktoken is great!" is 6 tokens in cl100k_base.
    expect(cl100k.count('tiktoken is great!')).toBe(6);
    expect(cl100k.count('')).toBe(0);
  });

  test('the per-piece counter equals the library on ordinary text', () => {
    const texts = [
      'The quick brown fox jumps over the lazy dog.',
      "Don't stop: it's 12,345.67 USD — naïve café, 漢字仮名交じり文, emoji 🎉🎉 and\r\n\ttabs   spaces",
      'function f(x) { return x * 2 + Math.sqrt(x) / 3; } // <|endoftext|> is plain text here',
      '{"city":"Paris","units":"celsius","days":[1,2,3]}',
    ];
    for (const t of texts) {
      expect(o200k.count(t)).toBe(libO200k.encode(t, [], []).length);
      expect(cl100k.count(t)).toBe(libCl100k.encode(t, [], []).length);
    }
  });

  test('the cookbook conversation: documented overhead, and its published totals', () => {
    const o = countInputTokens(COOKBOOK, 'o200k_base');
    const c = countInputTokens(COOKBOOK, 'cl100k_base');
    expect(o).toEqual({ inputTokens: cookbookCount(libO200k, COOKBOOK), tokenizer: 'o200k_base' });
    expect(c).toEqual({ inputTokens: cookbookCount(libCl100k, COOKBOOK), tokenizer: 'cl100k_base' });
    // The totals the cookbook prints (and the API reported): 129 for gpt-3.5-turbo-0613 and
    // gpt-4-0613 (cl100k_base), 124 for gpt-4o and gpt-4o-mini (o200k_base).
    expect(c.inputTokens).toBe(129);
    expect(o.inputTokens).toBe(124);
  });

  test('tool calls, tool results and images are counted', () => {
    const base = countInputTokens([msg('user', 'hi')], 'o200k_base').inputTokens;
    expect(base).toBe(OPENAI_REPLY_PRIMING + OPENAI_TOKENS_PER_MESSAGE + 1 + 1);
    const withImage = countInputTokens([{ ...msg('user', 'hi'), parts: [{ image: true }] }], 'o200k_base').inputTokens;
    expect(withImage - base).toBe(765);
    const call = '{"city":"Paris"}';
    const withCall = countInputTokens(
      [{ ...msg('assistant', ''), toolCalls: [{ name: 'get_weather', argumentsJson: call }] }],
      'o200k_base',
    );
    expect(withCall.inputTokens).toBe(
      OPENAI_REPLY_PRIMING + OPENAI_TOKENS_PER_MESSAGE + 1 + o200k.count('get_weather') + o200k.count(call),
    );
  });

  test('a long run without spaces is sliced: fast, and never below the exact count', () => {
    const letters = Array.from({ length: 20_000 }, (_, k) => String.fromCharCode(97 + ((k * 7919) % 26))).join('');
    const t0 = performance.now();
    const n = o200k.count(letters);
    expect(performance.now() - t0).toBeLessThan(5_000); // the library alone takes ~50 s here
    expect(n).toBeGreaterThan(5_000);
    const short = letters.slice(0, 300);
    expect(o200k.count(short)).toBeGreaterThanOrEqual(libO200k.encode(short, [], []).length);
  });

  test('past the exact budget the rest is extrapolated, never below chars/4, and named so', () => {
    const para = 'Budgets hold exactly under any concurrency and across any number of replicas. ';
    const text = para.repeat(Math.ceil((EXACT_CHAR_BUDGET * 3) / para.length));
    const exact = o200k.count(text);
    const est = countInputTokens([msg('user', text)], 'o200k_base');
    expect(est.tokenizer).toBe('o200k_base+extrapolated');
    expect(est.inputTokens).toBeGreaterThanOrEqual(exact);
    // This prose runs ~5.5 characters a token, so the chars/4 floor sets the rate of the rest.
    expect(est.inputTokens).toBeLessThanOrEqual(Math.ceil(text.length * 0.25 * 1.1) + 10);
    const embed = countTextTokens([text, 'short'], 'o200k_base');
    expect(embed.tokenizer).toBe('o200k_base+extrapolated');
    expect(countTextTokens(['hello world', 'hello world'], 'cl100k_base')).toEqual({ inputTokens: 4, tokenizer: 'cl100k_base' });
  });
});

describe('choosing the tokenizer', () => {
  test('OpenAI families, directly and through OpenRouter', () => {
    const cases: Array<[string, string, string | undefined]> = [
      ['openai', 'gpt-4o', 'o200k_base'],
      ['openai', 'gpt-4o-mini-2024-07-18', 'o200k_base'],
      ['openai', 'gpt-4.1-nano', 'o200k_base'],
      ['openai', 'gpt-5', 'o200k_base'],
      ['openai', 'o3-mini', 'o200k_base'],
      ['openai', 'o4-mini', 'o200k_base'],
      ['openai', 'o1', 'o200k_base'],
      ['openai', 'gpt-4', 'cl100k_base'],
      ['openai', 'gpt-4-turbo', 'cl100k_base'],
      ['openai', 'gpt-3.5-turbo', 'cl100k_base'],
      ['openai', 'text-embedding-3-small', 'cl100k_base'],
      ['openai', 'text-embedding-ada-002', 'cl100k_base'],
      ['openrouter', 'openai/gpt-4o', 'o200k_base'],
      ['openrouter', 'anthropic/claude-sonnet-4.5', undefined],
      ['anthropic', 'claude-sonnet-4-5', undefined],
      ['gemini', 'gemini-2.5-pro', undefined],
      ['groq', 'gpt-4o', undefined],
    ];
    for (const [vendor, upstreamModel, want] of cases)
      expect([vendor, upstreamModel, encodingFor({ vendor, upstreamModel })]).toEqual([vendor, upstreamModel, want]);
    expect(encodingFor(undefined)).toBeUndefined();
  });

  test("from the named model, an alias's first target, or the matching route rule", () => {
    const embedded = loadEmbeddedCatalog();
    const catalog = new Catalog(embedded.models, { baseVersion: embedded.version, overrides: [] });
    const snap = {
      catalog,
      preferredVendors: ['openai', 'anthropic'],
      aliases: new Map([
        [
          'smart',
          {
            name: 'smart',
            strategy: 'priority' as const,
            targets: [
              { model: 'anthropic/claude-sonnet-4-5', weight: 1 },
              { model: 'openai/gpt-4o', weight: 1 },
            ],
          },
        ],
        ['fast', { name: 'fast', strategy: 'priority' as const, targets: [{ model: 'gpt-4o-mini', weight: 1 }] }],
      ]),
      routes: [{ id: 'r1', tenant: 'acme', workerId: 'w', taskType: '', target: 'fast' }],
    };
    expect(encodingForRequest(snap, 'gpt-4o', {})).toBe('o200k_base');
    expect(encodingForRequest(snap, 'openai/gpt-3.5-turbo', {})).toBe('cl100k_base');
    expect(encodingForRequest(snap, 'smart', {})).toBeUndefined();
    expect(encodingForRequest(snap, 'fast', {})).toBe('o200k_base');
    expect(encodingForRequest(snap, '', { tenant: 'acme', workerId: 'w' })).toBe('o200k_base');
    expect(encodingForRequest(snap, '', { tenant: 'other' })).toBeUndefined();
    expect(encodingForRequest(snap, 'no-such-model', {})).toBeUndefined();
  });
});

describe('the heuristic', () => {
  test('4 ASCII characters per token, any other character one token, framing per message', () => {
    expect(estimateInputTokens([msg('user', 'abcdefgh')])).toBe(3 + 4 + 2);
    expect(estimateInputTokens([msg('user', '漢字仮名')])).toBe(3 + 4 + 4);
    expect(estimateTextTokens(['abcd', 'abcde'])).toBe(1 + 2);
    expect(countInputTokens([msg('user', 'abcdefgh')], undefined)).toEqual({ inputTokens: 9, tokenizer: 'chars/4' });
  });
});
