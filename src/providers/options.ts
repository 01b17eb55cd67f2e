// The caller's escape hatch (ChatCall.providerOptions) and what it may never touch.
//
// Provider options add fields to the upstream body that the contract has no word for
// (metadata, logit_bias, safetySettings…). They may never set or change what routing, policy
// and budgets decided: the model, streaming, the token limit, the conversation, the tools the
// request carries, or anything that changes what the call is billed (n, service tiers, paid
// server-side features). Each wire format lists the paths it owns; a caller's key that hits one
// is refused before any upstream call (the use case) and again when the body is built (here).
//
// Keys are compared in a canonical form, lower case without "_" and "-": Google's JSON parser
// takes both `generationConfig` and `generation_config`, Go servers (Ollama, Go-based
// OpenAI-compatible servers) match field names case-insensitively and let a later duplicate
// win. Comparing spellings exactly would let `Model` or `generation_config` slip past.
import { UpstreamError } from './errors.js';
import type { ChatCall, OwnedPaths } from './types.js';

/** What the request carries that makes more of the body Switchyard's. */
export type OwnedContext = Pick<ChatCall, 'tools' | 'toolChoice' | 'options'>;

export const canonicalKey = (key: string): string => key.toLowerCase().replace(/[-_]/g, '');

/** Token-limit spellings OpenAI-compatible servers accept besides OpenAI's own. */
const OTHER_TOKEN_LIMITS = ['max_output_tokens', 'max_new_tokens', 'n_predict', 'num_predict'];

/** OpenAI and every server speaking its chat wire (compatible presets, the Hugging Face router). */
export const OPENAI_OWNED: OwnedPaths = {
  always: [
    'model',
    'messages',
    'stream',
    'stream_options',
    'max_tokens',
    'max_completion_tokens',
    ...OTHER_TOKEN_LIMITS,
    // Billing: more choices, another tier, predicted output, audio, paid web search.
    'n',
    'best_of',
    'service_tier',
    'prediction',
    'audio',
    'modalities',
    'web_search_options',
    // The legacy spellings of tools.
    'functions',
    'function_call',
  ],
  tools: ['tools', 'tool_choice'],
  responseFormat: ['response_format'],
  reasoning: ['reasoning_effort', 'reasoning'],
};

/** OpenRouter adds fallback models, routing, paid plugins and prompt transforms. */
export const OPENROUTER_OWNED: OwnedPaths = {
  ...OPENAI_OWNED,
  always: [...OPENAI_OWNED.always, 'models', 'route', 'plugins', 'transforms'],
};

export const ANTHROPIC_OWNED: OwnedPaths = {
  always: [
    'model',
    'messages',
    'system',
    'max_tokens',
    'stream',
    // Billing and what the model sees: tiers, data-residency pricing, code containers, MCP tools,
    // server-side context editing.
    'service_tier',
    'inference_geo',
    'container',
    'mcp_servers',
    'context_management',
  ],
  tools: ['tools', 'tool_choice'],
  // JSON schema output is a forced tool (anthropic/map.ts).
  responseFormat: ['tools', 'tool_choice'],
  reasoning: ['thinking'],
};

export const GEMINI_OWNED: OwnedPaths = {
  always: [
    'model',
    'contents',
    'systemInstruction',
    'cachedContent',
    'generationConfig.maxOutputTokens',
    'generationConfig.candidateCount',
  ],
  tools: ['tools', 'toolConfig'],
  responseFormat: ['generationConfig.responseMimeType', 'generationConfig.responseSchema', 'generationConfig.responseJsonSchema'],
  reasoning: ['generationConfig.thinkingConfig'],
};

export const OLLAMA_OWNED: OwnedPaths = {
  always: ['model', 'messages', 'stream', 'options.num_predict'],
  tools: ['tools'],
  responseFormat: ['format'],
  reasoning: ['think'],
};

/**
 * Top-level keys some wire format always owns (canonical): a policy that lists one as allowed
 * is refused, since no request could ever use it.
 */
export const ALWAYS_OWNED_KEYS: ReadonlySet<string> = new Set(
  [OPENROUTER_OWNED, ANTHROPIC_OWNED, GEMINI_OWNED, OLLAMA_OWNED].flatMap((o) =>
    o.always.filter((p) => !p.includes('.')).map(canonicalKey),
  ),
);

/** The paths `owned` claims for one call. */
export function ownedPathsFor(owned: OwnedPaths, call: OwnedContext): string[] {
  const out = [...owned.always];
  if (call.tools.length > 0 || call.toolChoice !== undefined) out.push(...owned.tools);
  if (call.options.responseFormat !== undefined) out.push(...owned.responseFormat);
  if (call.options.reasoningEffort !== undefined) out.push(...owned.reasoning);
  return out;
}

type Tree = Map<string, Tree | true>;

function treeOf(paths: readonly string[]): Tree {
  const root: Tree = new Map();
  for (const path of paths) {
    const parts = path.split('.').map(canonicalKey);
    let node = root;
    for (const [i, part] of parts.entries()) {
      if (i === parts.length - 1) {
        node.set(part, true);
        break;
      }
      let next = node.get(part);
      if (next === true) break;
      if (!next) node.set(part, (next = new Map()));
      node = next;
    }
  }
  return root;
}

export const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The caller's keys (as spelled, "generation_config.max_output_tokens") that would set or
 * replace an owned path. An object where an owned path runs through it is walked; anything
 * else there (null, a string) would replace what is owned below it and is refused itself.
 */
export function forbiddenOptions(options: Record<string, unknown>, ownedPaths: readonly string[]): string[] {
  const out: string[] = [];
  const walk = (o: Record<string, unknown>, tree: Tree, prefix: string) => {
    for (const [key, value] of Object.entries(o)) {
      const node = tree.get(canonicalKey(key));
      if (node === undefined) continue;
      if (node === true || !isPlainObject(value)) out.push(prefix + key);
      else walk(value, node, `${prefix}${key}.`);
    }
  };
  walk(options, treeOf(ownedPaths), '');
  return out;
}

/**
 * The upstream body with the caller's options merged in: objects merge key by key (so
 * `generationConfig: {topK}` keeps the owned maxOutputTokens), a key spelled differently from
 * the body's (canonical form) lands on the body's spelling, anything else is added. A forbidden
 * key throws bad_request: the use case refuses it earlier, this keeps the adapter safe alone.
 */
export function mergeProviderOptions<T extends object>(
  body: T,
  call: Pick<ChatCall, 'providerOptions'> & OwnedContext,
  owned: OwnedPaths,
): T {
  const options = call.providerOptions;
  if (!options) return body;
  const forbidden = forbiddenOptions(options, ownedPathsFor(owned, call));
  if (forbidden.length > 0) {
    throw new UpstreamError('bad_request', `provider options may not set ${forbidden.join(', ')}: Switchyard sets them`);
  }
  return mergeInto({ ...body } as Record<string, unknown>, options) as T;
}

function mergeInto(target: Record<string, unknown>, source: Record<string, unknown>): Record<string, unknown> {
  for (const [key, value] of Object.entries(source)) {
    const canonical = canonicalKey(key);
    const existing = Object.keys(target).find((k) => canonicalKey(k) === canonical);
    const current = existing === undefined ? undefined : target[existing];
    const merged = isPlainObject(current) && isPlainObject(value) ? mergeInto({ ...current }, value) : value;
    // defineProperty: a "__proto__" key from JSON.parse stays a plain key, never a prototype.
    Object.defineProperty(target, existing ?? key, { value: merged, enumerable: true, writable: true, configurable: true });
  }
  return target;
}
