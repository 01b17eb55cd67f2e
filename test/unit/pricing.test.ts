// costOf on real catalog entries: cached input and long-context tiers, in integer pico-USD.
import { describe, expect, test } from 'vitest';
import { loadEmbeddedCatalog } from '../../src/catalog/embedded.js';
import { costOf } from '../../src/ledger/pricing.js';
import { estimateCost } from '../../src/routing/estimate.js';

const models = new Map(loadEmbeddedCatalog().models.map((m) => [m.id, m]));
const pricing = (id: string) => {
  const m = models.get(id);
  if (!m) throw new Error(`${id} is not in the embedded catalog`);
  return m.pricing;
};

describe('costOf on catalog prices', () => {
  test('the catalog carries LiteLLM cached-input and above-N-tokens prices', () => {
    expect(pricing('gemini/gemini-2.5-pro')).toMatchObject({
      input: 1_250_000n,
      output: 10_000_000n,
      cachedInput: 125_000n,
      tiers: [{ aboveInputTokens: 200_000, input: 2_500_000n, output: 15_000_000n, cachedInput: 250_000n }],
    });
    expect(pricing('openai/gpt-5.4').tiers).toEqual([
      { aboveInputTokens: 272_000, input: 5_000_000n, output: 22_500_000n, cachedInput: 500_000n },
    ]);
    expect(pricing('openai/gpt-4o')).toMatchObject({ input: 2_500_000n, output: 10_000_000n, cachedInput: 1_250_000n, tiers: [] });
  });

  test('cached input tokens are billed at the cached price', () => {
    // gpt-4o: $2.50 / M in, $1.25 / M cached, $10 / M out.
    const c = costOf(pricing('openai/gpt-4o'), { inputTokens: 1_000, outputTokens: 100, cachedInputTokens: 400 });
    expect(c).toBe(600n * 2_500_000n + 400n * 1_250_000n + 100n * 10_000_000n);
    // More cached than input (a confused upstream) never bills negative input.
    expect(costOf(pricing('openai/gpt-4o'), { inputTokens: 10, outputTokens: 0, cachedInputTokens: 50 })).toBe(10n * 1_250_000n);
  });

  test('a model without a cached price bills cached tokens as input', () => {
    const p = pricing('gemini/gemini-2.5-computer-use-preview-10-2025');
    expect(p.cachedInput).toBe(0n);
    expect(costOf(p, { inputTokens: 1_000, outputTokens: 0, cachedInputTokens: 1_000 })).toBe(1_000n * 1_250_000n);
  });

  test('above the threshold the tier prices the whole call, cached input included', () => {
    const p = pricing('gemini/gemini-2.5-pro');
    // At the threshold: base prices.
    expect(costOf(p, { inputTokens: 200_000, outputTokens: 1_000, cachedInputTokens: 0 })).toBe(
      200_000n * 1_250_000n + 1_000n * 10_000_000n,
    );
    // One token past it: every token at the tier's prices.
    expect(costOf(p, { inputTokens: 200_001, outputTokens: 1_000, cachedInputTokens: 100_000 })).toBe(
      100_001n * 2_500_000n + 100_000n * 250_000n + 1_000n * 15_000_000n,
    );
    const sonnet = pricing('anthropic/claude-sonnet-4-5');
    expect(costOf(sonnet, { inputTokens: 250_000, outputTokens: 10, cachedInputTokens: 50_000 })).toBe(
      200_000n * 6_000_000n + 50_000n * 600_000n + 10n * 22_500_000n,
    );
  });

  test('the pre-inference estimate applies the same tier', () => {
    const p = pricing('openai/gpt-5.4');
    expect(estimateCost(p, 272_000, 100, 'o200k_base')).toMatchObject({
      inputCost: 272_000n * 2_500_000n,
      maxCost: 272_000n * 2_500_000n + 100n * 15_000_000n,
    });
    expect(estimateCost(p, 272_001, 100, 'o200k_base')).toMatchObject({
      inputCost: 272_001n * 5_000_000n,
      maxCost: 272_001n * 5_000_000n + 100n * 22_500_000n,
    });
  });
});
