// Input-token estimates with OpenAI's own tokenizers (js-tiktoken), for the models that use
// them; every other model keeps the documented heuristic of estimate.ts. Only estimates depend
// on this (context-window checks, worst-case budget reservations, cheapest ordering): the
// ledger always records the upstream's reported usage.
//
// Cost, measured on this machine (2 shared vCPUs, Node 20): building the o200k_base encoder
// takes ~0.55 s and ~150 MB RSS, cl100k_base ~0.25 s and ~30 MB more. So an encoder is built
// once per process: o200k_base at start-up when an OpenAI-family provider is configured
// (preloadTokenizers, before the listeners open), anything else in the background on first
// need (warm), with the heuristic answering until it is ready. The estimate names what was
// used ("o200k_base", "chars/4"), so a client can tell.
//
// Speed guards. js-tiktoken's byte-pair merge is cubic in the length of one pre-token: a
// 20,000-letter run with no space took close to a minute, which any caller could send. Pre-tokens
// longer than MAX_PIECE characters are therefore encoded in MAX_PIECE slices (a slice boundary
// can only stop a merge, so the count can only grow: the estimate errs on the side of
// reserving more). Exact counting stops after EXACT_CHAR_BUDGET characters per request (a bounded
// share of a call's time); the rest is extrapolated at the rate measured on the counted part (never below
// the heuristic's 1 token per 4 characters) plus EXTRAPOLATION_MARGIN, and the tokenizer
// name says so ("o200k_base+extrapolated").
import { Tiktoken, type TiktokenBPE } from 'js-tiktoken/lite';
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

/** One encoder plus a memo of pre-token counts (prose repeats its words; lookups are cheap). */
export class TokenCounter {
  readonly #enc: Tiktoken;
  readonly #split: RegExp;
  readonly #memo = new Map<string, number>();
  /** The encoder's byte-sequence → rank table (js-tiktoken keeps it as "b1,b2,..." keys). */
  readonly #ranks: Map<string, number> | undefined;
  readonly #utf8 = new TextEncoder();
  static readonly MEMO_LIMIT = 200_000;

  constructor(
    readonly name: EncodingName,
    ranks: TiktokenBPE,
  ) {
    this.#enc = new Tiktoken(ranks);
    this.#split = new RegExp(ranks.pat_str, 'gu');
    // encode() compiles two regular expressions per call, which dominated the cost of a
    // word not seen before; the merge below runs on the encoder's own table instead (the same
    // rule: merge the lowest-ranked adjacent pair, leftmost first). js-tiktoken 1.0.21 keeps
    // the table in `rankMap`; without it, encode() is used.
    const table = (this.#enc as unknown as { rankMap?: unknown }).rankMap;
    this.#ranks = table instanceof Map ? (table as Map<string, number>) : undefined;
  }

  /** Tokens of `text` as ordinary text (special-token strings are counted as plain text, as the APIs do). */
  count(text: string): number {
    let n = 0;
    const split = this.#split;
    split.lastIndex = 0;
    for (let m = split.exec(text); m !== null; m = split.exec(text)) n += this.#piece(m[0]);
    return n;
  }

  /** Tokens of one pre-token's bytes: js-tiktoken's bytePairMerge, counting only. */
  #merge(bytes: Uint8Array): number {
    const ranks = this.#ranks!;
    const key = (a: number, b: number) => bytes.subarray(a, b).join(',');
    if (ranks.has(key(0, bytes.length))) return 1;
    // bounds[k] is where part k starts; the last entry is the end.
    const bounds = Array.from({ length: bytes.length + 1 }, (_, k) => k);
    while (bounds.length > 2) {
      let best = -1;
      let bestRank = Infinity;
      for (let k = 0; k < bounds.length - 2; k++) {
        const r = ranks.get(key(bounds[k]!, bounds[k + 2]!));
        if (r !== undefined && r < bestRank) {
          bestRank = r;
          best = k;
        }
      }
      if (best < 0) break;
      bounds.splice(best + 1, 1);
    }
    return bounds.length - 1;
  }

  #piece(p: string): number {
    let n = this.#memo.get(p);
    if (n !== undefined) return n;
    n = 0;
    for (let i = 0; i < p.length; ) {
      let j = Math.min(i + MAX_PIECE, p.length);
      // Never split a surrogate pair.
      if (j < p.length && (p.charCodeAt(j - 1) & 0xfc00) === 0xd800) j--;
      n += this.#ranks ? this.#merge(this.#utf8.encode(p.slice(i, j))) : this.#enc.encode(p.slice(i, j), [], []).length;
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

async function ranksOf(name: EncodingName): Promise<TiktokenBPE> {
  // Only the rank file needed is imported (each is 1-2.3 MB of JS).
  return name === 'o200k_base'
    ? (await import('js-tiktoken/ranks/o200k_base')).default
    : (await import('js-tiktoken/ranks/cl100k_base')).default;
}

/** Builds the encoder once; concurrent callers share the one build. */
export function loadTokenizer(name: EncodingName): Promise<TokenCounter> {
  const done = ready.get(name);
  if (done) return Promise.resolve(done);
  let p = loading.get(name);
  if (!p) {
    p = ranksOf(name).then((ranks) => {
      const c = new TokenCounter(name, ranks);
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
