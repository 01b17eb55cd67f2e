// Pre-inference estimates: input tokens and worst-case cost. Pure.
//
// Token counting here is a documented heuristic (4 characters per token, plus framing per
// message and a flat charge per image). It only sizes estimates and context checks; the
// ledger always uses the upstream's reported usage. Exact tokenizers arrive with budgets.
import type { Pricing } from '../catalog/types.js';
import type { Estimate } from './types.js';

export const HEURISTIC_TOKENIZER = 'chars/4';
const CHARS_PER_TOKEN = 4;
/** Role markers and separators that chat templates add around each message. */
const TOKENS_PER_MESSAGE = 4;
/** The assistant turn primer. */
const TOKENS_PER_REPLY = 3;
/** A 1024×1024 image at high detail is ~765 tokens at OpenAI; a fair upper-middle estimate. */
const TOKENS_PER_IMAGE = 765;
/** Output budget when neither the request nor the catalog bounds it. */
export const DEFAULT_MAX_OUTPUT_TOKENS = 4096;

export interface EstimableMessage {
  content: string;
  parts: Array<{ text?: string; image?: boolean }>;
  toolCalls: Array<{ name: string; argumentsJson: string }>;
}

export function estimateInputTokens(messages: readonly EstimableMessage[]): number {
  let chars = 0;
  let fixed = TOKENS_PER_REPLY;
  for (const m of messages) {
    fixed += TOKENS_PER_MESSAGE;
    chars += m.content.length;
    for (const p of m.parts) {
      if (p.text !== undefined) chars += p.text.length;
      else if (p.image) fixed += TOKENS_PER_IMAGE;
    }
    for (const c of m.toolCalls) chars += c.name.length + c.argumentsJson.length;
  }
  return fixed + Math.ceil(chars / CHARS_PER_TOKEN);
}

/** Integer cost in pico-USD of `inputTokens` in and at most `maxOutputTokens` out. */
export function estimateCost(
  pricing: Pricing,
  inputTokens: number,
  maxOutputTokens: number,
  tokenizer: string,
): Estimate {
  let input = pricing.input;
  let output = pricing.output;
  // Long-context tiers: the highest threshold the input exceeds sets the price of the whole call.
  for (const tier of pricing.tiers) {
    if (inputTokens > tier.aboveInputTokens) {
      input = tier.input || input;
      output = tier.output || output;
    }
  }
  const inputCost = input * BigInt(inputTokens);
  return {
    inputTokens,
    maxOutputTokens,
    inputCost,
    maxCost: inputCost + output * BigInt(maxOutputTokens),
    tokenizer,
  };
}
