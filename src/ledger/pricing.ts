// The cost of reported usage, in integer pico-USD. Cached input tokens are billed at the
// cached price when the catalog has one (else at the input price); long-context tiers apply
// to the whole call when the input exceeds their threshold, as providers bill them.
import type { Pricing } from '../catalog/types.js';

export interface TokenCounts {
  inputTokens: number;
  outputTokens: number;
  cachedInputTokens: number;
}

export function costOf(pricing: Pricing, u: TokenCounts): bigint {
  let input = pricing.input;
  let output = pricing.output;
  let cached = pricing.cachedInput;
  for (const tier of pricing.tiers) {
    if (u.inputTokens > tier.aboveInputTokens) {
      input = tier.input || input;
      output = tier.output || output;
      cached = tier.cachedInput || cached;
    }
  }
  const cachedTokens = Math.min(u.cachedInputTokens, u.inputTokens);
  const cachedPrice = cached > 0n ? cached : input;
  return (
    input * BigInt(u.inputTokens - cachedTokens) + cachedPrice * BigInt(cachedTokens) + output * BigInt(u.outputTokens)
  );
}
