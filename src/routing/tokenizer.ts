// Input-token estimates with OpenAI's own tokenizers (gpt-tokenizer), for the models that use
// them; every other model keeps the documented heuristic of estimate.ts. Only estimates depend
// on this (context-window checks, worst-case budget reservations, cheapest ordering): the
// ledger always records the upstream's reported usage.
//
// Building an encoder takes a noticeable fraction of a second and tens of MB (figures in
// docs/benchmarks.md). So an encoder is built once per process: o200k_base at start-up when an
// OpenAI-family provider is configured (preloadTokenizers, before the listeners open),
// anything else in the background on first need (warm), with the heuristic answering until it
// is ready. The estimate names what was used ("o200k_base", "chars/4"), so a client can tell.
//
// Speed guards. Byte-pair merging is quadratic or worse in the length of one pre-token (a
// 20,000-letter run with no space took close to a minute with js-tiktoken, still most of a
// second with gpt-tokenizer), and any caller could send one. Pre-tokens longer than MAX_PIECE
// characters are therefore counted in MAX_PIECE slices (a slice boundary can only stop a
// merge, so the count can only grow: the estimate errs on the side of reserving more). Exact
// counting stops after EXACT_CHAR_BUDGET characters per request (a bounded share of a call's
// time); the rest is extrapolated at the rate measured on the counted part (never below the
// heuristic's 1 token per 4 characters) plus EXTRAPOLATION_MARGIN, and the tokenizer name
// says so ("o200k_base+extrapolated").
import type { ModelEntry } from '../catalog/types.js';
import { estimateInputTokens, estimateTextTokens, HEURISTIC_TOKENIZER, TOKENS_PER_IMAGE, type EstimableMessage } from './estimate.js';
import type { RoutingSnapshot } from './planner.js';
import { matchRoute } from './routes.js';

export type EncodingName = 'o200k_base' | 'cl100k_base';

export const MAX_PIECE = 48;
export const EXACT_CHAR_BUDGET = 8_192;
/** Relative margin on extrapolated tokens: content changes along a long prompt. */
export const EXTRAPOLATION_MARGIN = 0.1;
/** OpenAI cookbook (num_tokens_from_messages, gpt-4o and later, gpt-4, gpt-3.5-turbo-0613+). */
export const OPENAI_TOKENS_PER_MESSAGE = 3;
export const OPENAI_TOKENS_PER_NAME = 1;
/** Every reply is primed with <|start|>assistant<|message|>. */
export const OPENAI_REPLY_PRIMING = 3;

const O200K = /^(gpt-4o|gpt-4\.1|gpt-4\.5|gpt-5|o1|o3|o4|chatgpt-4o|gpt-oss|codex|computer-use)/;
const CL100K = /^(gpt-4|gpt-3\.5|gpt-35|text-embedding-(3|ada-002))/;

/**
 * The tokenizer of a catalog model: OpenAI's own models, directly or through OpenRouter
 * ("openrouter/openai/gpt-4o"). Anything else (Anthropic, Gemini, open models) has none here.
 */
export function encodingFor(model: Pick<ModelEntry, 'vendor' | 'upstreamModel'> | undefined): EncodingName | undefined {
  if (!model) return undefined;
  let name: string;
  if (model.vendor === 'openai') name = model.upstreamModel;
  else if (model.vendor === 'openrouter' && model.upstreamModel.startsWith('openai/')) name = model.upstreamModel.slice(7);
  else return undefined;
  if (O200K.test(name)) return 'o200k_base';
  if (CL100K.test(name)) return 'cl100k_base';
  return undefined;
}

/**
 * The pre-tokenizer patterns of OpenAI's encodings (tiktoken's published pat_str, with the
 * contraction group spelled out for JavaScript): text is split with them first, so that the
 * byte-pair merge below only ever sees one pre-token, at most MAX_PIECE characters of it.
 */
const CONTRACTION = String.raw`'(?:[sS]|[dD]|[mM]|[tT]|[lL][lL]|[vV][eE]|[rR][eE])`;
const SPLIT: Record<EncodingName, string> = {
  o200k_base: String.raw`[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?:${CONTRACTION})?|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?:${CONTRACTION})?|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+`,
  cl100k_base: String.raw`${CONTRACTION}|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`,
};

/** One encoder plus a memo of pre-token counts (prose repeats its words; lookups are cheap). */
export class TokenCounter {
  readonly #split: RegExp;
  readonly #memo = new Map<string, number>();
  static readonly MEMO_LIMIT = 200_000;

  /** `countTokens`: the encoding's own count of ordinary text (special tokens as plain text). */
  constructor(
    readonly name: EncodingName,
    private readonly countTokens: (text: string) => number,
  ) {
    this.#split = new RegExp(SPLIT[name], 'gu');
  }

  /** Tokens of `text` as ordinary text (special-token strings are counted as plain text, as the APIs do). */
  count(text: string): number {
    let n = 0;
    const split = this.#split;
    split.lastIndex = 0;
    for (let m = split.exec(text); m !== null; m = split.exec(text)) n += this.#piece(m[0]);
    return n;
  }

  #piece(p: string): number {
    let n = this.#memo.get(p);
    if (n !== undefined) return n;
    n = 0;
    for (let i = 0; i < p.length; ) {
      let j = Math.min(i + MAX_PIECE, p.length);
      // Never split a surrogate pair.
      if (j < p.length && (p.charCodeAt(j - 1) & 0xfc00) === 0xd800) j--;
      n += this.countTokens(p.slice(i, j));
      i = j;
    }
    if (this.#memo.size >= TokenCounter.MEMO_LIMIT) this.#memo.clear();
    this.#memo.set(p, n);
    return n;
  }
}

// Process-wide: encoders are immutable once built, and building one is the expensive part.
const ready = new Map<EncodingName, TokenCounter>();
const loading = new Map<EncodingName, Promise<TokenCounter>>();
const scheduled = new Set<EncodingName>();

/**
 * gpt-tokenizer rather than js-tiktoken: the same counts (test/unit/tokenizer.test.ts checks
 * them against js-tiktoken), from a rank table held far more compactly (js-tiktoken keeps a Map
 * keyed by comma-joined byte strings; its o200k table alone was most of an idle replica's
 * heap) and merged faster. Only the encoding needed is imported.
 */
async function counterOf(name: EncodingName): Promise<(text: string) => number> {
  const enc =
    name === 'o200k_base' ? await import('gpt-tokenizer/encoding/o200k_base') : await import('gpt-tokenizer/encoding/cl100k_base');
  // The encoder's merge cache would hold every pre-token ever seen; ours (the memo) is bounded.
  enc.setMergeCacheSize(0);
  return (text) => enc.countTokens(text);
}

/** Builds the encoder once; concurrent callers share the one build. */
export function loadTokenizer(name: EncodingName): Promise<TokenCounter> {
  const done = ready.get(name);
  if (done) return Promise.resolve(done);
  let p = loading.get(name);
  if (!p) {
    p = counterOf(name).then((count) => {
      const c = new TokenCounter(name, count);
      ready.set(name, c);
      return c;
    });
    loading.set(name, p);
    p.catch(() => loading.delete(name));
  }
  return p;
}

/** The encoder if built; otherwise starts building it in the background and returns undefined. */
export function tokenizerIfReady(name: EncodingName): TokenCounter | undefined {
  const c = ready.get(name);
  if (c) return c;
  if (!loading.has(name) && !scheduled.has(name)) {
    scheduled.add(name);
    // Off the current request; the build blocks the event loop once (~0.3-0.6 s).
    setImmediate(
      () =>
        void loadTokenizer(name)
          .catch(() => undefined)
          .finally(() => scheduled.delete(name)),
    );
  }
  return undefined;
}

/** Provider kinds whose models are OpenAI's (directly or resold): o200k_base is built at start-up for them. */
const OPENAI_FAMILY_KINDS = new Set(['openai', 'openrouter']);

/** At start-up, before serving: builds o200k_base when an OpenAI-family provider is configured. */
export async function preloadTokenizers(providers: readonly { kind: string; disabled?: boolean }[]): Promise<void> {
  if (providers.some((p) => OPENAI_FAMILY_KINDS.has(p.kind) && !p.disabled)) await loadTokenizer('o200k_base');
}

export interface InputEstimate {
  inputTokens: number;
  /** What counted them: an encoding name, "<encoding>+extrapolated", or the heuristic's name. */
  tokenizer: string;
}

/**
 * Input tokens of a conversation for a model using `encoding` (undefined, or an encoder not
 * built yet: the heuristic). OpenAI's chat framing: 3 tokens per message, 1 more when it has
 * a name, the role's own tokens, and 3 priming the reply. Tool calls count their name and
 * argument JSON, a tool message its call id, an image a flat 765 (a 1024×1024 image at high
 * detail; OpenAI bills 85 + 170 per 512-px tile).
 */
export function countInputTokens(messages: readonly EstimableMessage[], encoding: EncodingName | undefined): InputEstimate {
  const counter = encoding ? tokenizerIfReady(encoding) : undefined;
  if (!counter) return { inputTokens: estimateInputTokens(messages), tokenizer: HEURISTIC_TOKENIZER };
  const budget = new TextBudget(counter);
  let tokens = OPENAI_REPLY_PRIMING;
  for (const m of messages) {
    tokens += OPENAI_TOKENS_PER_MESSAGE + budget.count(m.role ?? 'user');
    if (m.name) tokens += OPENAI_TOKENS_PER_NAME + budget.count(m.name);
    if (m.toolCallId) tokens += budget.count(m.toolCallId);
    tokens += budget.count(m.content);
    for (const p of m.parts) {
      if (p.text !== undefined) tokens += budget.count(p.text);
      else if (p.image) tokens += TOKENS_PER_IMAGE;
    }
    for (const c of m.toolCalls) tokens += budget.count(c.name) + budget.count(c.argumentsJson);
  }
  return { inputTokens: tokens + budget.extrapolated(), tokenizer: budget.skipped > 0 ? `${counter.name}+extrapolated` : counter.name };
}

/** Counts exactly until EXACT_CHAR_BUDGET characters are spent, then only tallies what was skipped. */
class TextBudget {
  #left = EXACT_CHAR_BUDGET;
  #countedChars = 0;
  #countedTokens = 0;
  skipped = 0;
  constructor(private readonly counter: TokenCounter) {}

  count(text: string): number {
    if (text.length === 0) return 0;
    if (text.length > this.#left) {
      this.skipped += text.length - this.#left;
      text = text.slice(0, this.#left);
    }
    this.#left -= text.length;
    const n = text.length > 0 ? this.counter.count(text) : 0;
    this.#countedChars += text.length;
    this.#countedTokens += n;
    return n;
  }

  extrapolated(): number {
    if (this.skipped === 0) return 0;
    const rate = Math.max(this.#countedTokens / Math.max(this.#countedChars, 1), 0.25);
    return Math.ceil(this.skipped * rate * (1 + EXTRAPOLATION_MARGIN));
  }
}

/**
 * The tokenizer for a request, chosen BEFORE planning (plan() is pure and takes one input
 * count): the model the request names, else the first target of the alias it names, else the
 * target of the route rule that serves it. An alias mixing vendors is counted with its first
 * target's tokenizer for every candidate.
 */
export function encodingForRequest(
  snap: Pick<RoutingSnapshot, 'catalog' | 'aliases' | 'preferredVendors' | 'routes'>,
  model: string,
  who: { tenant?: string; workerId?: string; taskType?: string },
): EncodingName | undefined {
  let name = model;
  if (name === '') {
    const rule = matchRoute(snap.routes, who.tenant ?? '', who.workerId ?? '', who.taskType ?? '');
    if (!rule) return undefined;
    name = rule.target;
  }
  const alias = snap.aliases.get(name);
  if (alias) name = alias.targets[0]?.model ?? '';
  return encodingFor(snap.catalog.resolve(name, snap.preferredVendors));
}

/** Embed inputs: the sum of each text's tokens, no chat framing. */
export function countTextTokens(texts: readonly string[], encoding: EncodingName | undefined): InputEstimate {
  const counter = encoding ? tokenizerIfReady(encoding) : undefined;
  if (!counter) return { inputTokens: estimateTextTokens(texts), tokenizer: HEURISTIC_TOKENIZER };
  const budget = new TextBudget(counter);
  let tokens = 0;
  for (const t of texts) tokens += budget.count(t);
  return { inputTokens: tokens + budget.extrapolated(), tokenizer: budget.skipped > 0 ? `${counter.name}+extrapolated` : counter.name };
}
