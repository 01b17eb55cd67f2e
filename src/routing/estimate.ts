// Pre-inference estimates: input tokens and worst-case cost. Pure.
//
// Token counting here is a documented heuristic, for models without a tokenizer of their own
// in src/routing/tokenizer.ts (OpenAI's use tiktoken there): 4 ASCII characters per token,
// every other character (UTF-16 unit) one token, plus framing per message and a flat charge
// per image. The non-ASCII rule is a safety margin: CJK text runs ~0.7-1.5 tokens per
// character in current tokenizers, and chars/4 under-reserved such prompts 3-5x; for other
// scripts it over-estimates, which only reserves more. It sizes estimates, context checks and
// worst-case budget reservations; the ledger always uses the upstream's reported usage.
import type { Pricing } from '../catalog/types.js';
import type { Estimate } from './types.js';

export const HEURISTIC_TOKENIZER = 'chars/4';
const CHARS_PER_TOKEN = 4;
/** Role markers and separators that chat templates add around each message. */
const TOKENS_PER_MESSAGE = 4;
/** The assistant turn primer. */
const TOKENS_PER_REPLY = 3;
/** A 1024×1024 image at high detail is ~765 tokens at OpenAI; a fair upper-middle estimate. */
export const TOKENS_PER_IMAGE = 765;
/** Output budget when neither the request nor the catalog bounds it. */
export const DEFAULT_MAX_OUTPUT_TOKENS = 4096;

export interface EstimableMessage {
  /** "system", "user", "assistant", "tool" (counted by exact tokenizers; default "user"). */
  role?: string;
  /** The author or tool name, when set. */
  name?: string;
  /** The call a tool message answers. */
  toolCallId?: string;
  content: string;
  parts: Array<{ text?: string; image?: boolean }>;
  toolCalls: Array<{ name: string; argumentsJson: string }>;
}

export function estimateInputTokens(messages: readonly EstimableMessage[]): number {
  let ascii = 0;
  let fixed = TOKENS_PER_REPLY;
  const add = (text: string) => {
    for (let i = 0; i < text.length; i++) {
      if (text.charCodeAt(i) < 0x80) ascii++;
      else fixed++;
    }
  };
  for (const m of messages) {
    fixed += TOKENS_PER_MESSAGE;
    add(m.content);
    if (m.name) add(m.name);
    for (const p of m.parts) {
      if (p.text !== undefined) add(p.text);
      else if (p.image) fixed += TOKENS_PER_IMAGE;
    }
    for (const c of m.toolCalls) {
      add(c.name);
      add(c.argumentsJson);
    }
  }
  return fixed + Math.ceil(ascii / CHARS_PER_TOKEN);
}

/** The heuristic for plain texts (Embed inputs): no chat framing. */
export function estimateTextTokens(texts: readonly string[]): number {
  return (
    estimateInputTokens(texts.map((content) => ({ content, parts: [], toolCalls: [] }))) -
    TOKENS_PER_REPLY -
    TOKENS_PER_MESSAGE * texts.length
  );
}

/** Integer cost in pico-USD of `inputTokens` in and at most `maxOutputTokens` out. */
export function estimateCost(pricing: Pricing, inputTokens: number, maxOutputTokens: number, tokenizer: string): Estimate {
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
