// The cost of reported usage, in integer pico-USD. Cached input tokens are billed at the
// cached price when the catalog has one (else at the input price); long-context tiers apply
// to the whole call when the input exceeds their threshold, as providers bill them.
import type { Pricing } from '../catalog/types.js';

export interface TokenCounts {
  inputTokens: number;
  outputTokens: number;
  cachedInputTokens: number;
}

export function costOf(pricing: Pricing, usage: TokenCounts): bigint {
  // Upstreams report counts; a malformed one (negative, fractional, NaN) must not throw here,
  // where a reservation is being settled.
  const u = {
    inputTokens: tokens(usage.inputTokens),
    outputTokens: tokens(usage.outputTokens),
    cachedInputTokens: tokens(usage.cachedInputTokens),
  };
  let input = pricing.input;
  let output = pricing.output;
  let cached = pricing.cachedInput;
  // The highest threshold the input crosses decides, whatever order the tiers are listed in.
  let crossed = -1;
  for (const tier of pricing.tiers) {
    if (u.inputTokens > tier.aboveInputTokens && tier.aboveInputTokens > crossed) {
      crossed = tier.aboveInputTokens;
      input = tier.input || pricing.input;
      output = tier.output || pricing.output;
      cached = tier.cachedInput || pricing.cachedInput;
    }
  }
  const cachedTokens = Math.min(u.cachedInputTokens, u.inputTokens);
  const cachedPrice = cached > 0n ? cached : input;
  return input * BigInt(u.inputTokens - cachedTokens) + cachedPrice * BigInt(cachedTokens) + output * BigInt(u.outputTokens);
}

function tokens(n: number): number {
  return Number.isFinite(n) && n > 0 ? Math.floor(Math.min(n, Number.MAX_SAFE_INTEGER)) : 0;
}
