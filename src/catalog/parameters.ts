// The parameter surface of a model: for each request parameter Switchyard knows, whether the
// model accepts it and in what range. Pure; run by the catalog build so that runtime does no
// inference (the result is stored in catalog.json).
//
// Precedence, first rule that answers wins:
//   1. embedding models accept no chat parameter;
//   2. hard vendor facts (documented API behaviour that holds for a whole family);
//   3. capability-driven parameters (tools, tool_choice, response_format, reasoning_effort);
//   4. OpenRouter's `supported_parameters` when the model is known there (listed → mutable with the
//      family's range, absent → unsupported): measured data beats our general knowledge;
//   5. the family's documented defaults;
//   6. otherwise opaque (we do not know).
import type { Capability, ModelKind, ParameterAvailability, ParameterName } from './types.js';
import { PARAMETER_NAMES } from './types.js';

export type ParameterSurface = Record<ParameterName, ParameterAvailability>;

/** What OpenRouter's /api/v1/models publishes about a model. */
export interface OpenRouterHints {
  supportedParameters: readonly string[];
  /** Provider defaults; null values mean "unknown" and are ignored. */
  defaultParameters: Readonly<Record<string, unknown>>;
  supportedEfforts?: readonly string[];
  defaultEffort?: string;
}

export interface ParameterRuleInput {
  /** Catalog vendor of the entry, e.g. "openai" or "openrouter". */
  vendor: string;
  upstreamModel: string;
  kind: ModelKind;
  capabilities: readonly Capability[];
  maxOutputTokens: number;
  openRouter?: OpenRouterHints;
  /** Effort levels from source flags (LiteLLM `supports_<level>_reasoning_effort`): true adds, false removes. */
  effortFlags?: Readonly<Record<string, boolean>>;
  /** False when the source says the model rejects sampling parameters (LiteLLM `supports_sampling_params`). */
  samplingParams?: boolean;
}

/** The API dialect whose rules apply: the model's maker for vendors that resell through OpenRouter. */
export type Family =
  | 'openai'
  | 'anthropic'
  | 'gemini'
  | 'mistral'
  | 'deepseek'
  | 'xai'
  | 'ollama'
  | 'groq'
  | 'together'
  | 'fireworks'
  | 'other';

const OPENROUTER_PREFIX_FAMILY: Record<string, Family> = {
  openai: 'openai',
  anthropic: 'anthropic',
  google: 'gemini',
  mistralai: 'mistral',
  deepseek: 'deepseek',
  'x-ai': 'xai',
};
const DIRECT_FAMILIES: ReadonlySet<string> = new Set([
  'openai',
  'anthropic',
  'gemini',
  'mistral',
  'deepseek',
  'xai',
  'ollama',
  'groq',
  'together',
  'fireworks',
]);

export function modelFamily(vendor: string, upstreamModel: string): Family {
  if (vendor !== 'openrouter') return DIRECT_FAMILIES.has(vendor) ? (vendor as Family) : 'other';
  // OpenRouter ids are "<maker>/<model>"; "~maker/..." are OpenRouter's moving aliases.
  const [maker = '', model = ''] = upstreamModel.replace(/^~/, '').split('/');
  if (maker === 'google' && !model.startsWith('gemini')) return 'other'; // Gemma etc. run elsewhere
  return OPENROUTER_PREFIX_FAMILY[maker] ?? 'other';
}

/** OpenAI reasoning models (o-series, GPT-5 family but not the "-chat" variants). */
export function isOpenAIReasoningModel(upstreamModel: string): boolean {
  const name = upstreamModel.replace(/^~?openai\//, '');
  if (/^gpt-5(\.\d+)?-chat/.test(name)) return false;
  return /^o[134](-|$)/.test(name) || /^gpt-5(\.|-|$)/.test(name);
}

/** Canonical order of effort levels, so allowedValues are deterministic whatever the source order. */
export const EFFORT_LEVELS = ['none', 'minimal', 'low', 'medium', 'high', 'xhigh', 'max'] as const;
const BASE_EFFORTS = ['low', 'medium', 'high'];

const mutable = (extra: Omit<Extract<ParameterAvailability, { state: 'mutable' }>, 'state'> = {}) =>
  ({ state: 'mutable', ...extra }) as ParameterAvailability;
const unsupported = (reason: string): ParameterAvailability => ({ state: 'unsupported', reason });
const readOnly = (value: unknown): ParameterAvailability => ({ state: 'read_only', value });
const OPAQUE: ParameterAvailability = { state: 'opaque' };

type Partial12 = Partial<Record<ParameterName, ParameterAvailability>>;

// Ranges as each API documents them. OpenAI, Gemini, Mistral, DeepSeek, xAI and the
// OpenAI-compatible hosts take temperature 0..2; Anthropic 0..1.
const TEMP_2 = mutable({ min: 0, max: 2 });
const TOP_P = mutable({ min: 0, max: 1 });
const PENALTY = mutable({ min: -2, max: 2, default: 0 });

/** Rule 5: what each family's API documents, used when OpenRouter does not know the model. */
const FAMILY_DEFAULTS: Record<Family, Partial12> = {
  // Chat Completions: temperature 0..2 (default 1), top_p (default 1), penalties -2..2, seed, stop.
  openai: {
    temperature: mutable({ min: 0, max: 2, default: 1 }),
    top_p: mutable({ min: 0, max: 1, default: 1 }),
    stop: mutable(),
    seed: mutable(),
    frequency_penalty: PENALTY,
    presence_penalty: PENALTY,
  },
  // Messages API: temperature 0..1 (default 1), top_p, top_k, stop_sequences.
  anthropic: {
    temperature: mutable({ min: 0, max: 1, default: 1 }),
    top_p: TOP_P,
    top_k: mutable({ min: 0 }),
    stop: mutable(),
  },
  // generateContent: temperature 0..2, topP, topK, stopSequences, seed. Penalties depend on the
  // model (rejected by several 2.5 models), so they stay opaque.
  gemini: { temperature: TEMP_2, top_p: TOP_P, top_k: mutable({ min: 1 }), stop: mutable(), seed: mutable() },
  // Mistral chat: temperature, top_p (default 1), stop, random_seed, penalties.
  mistral: {
    temperature: TEMP_2,
    top_p: mutable({ min: 0, max: 1, default: 1 }),
    stop: mutable(),
    seed: mutable(),
    frequency_penalty: PENALTY,
    presence_penalty: PENALTY,
  },
  // DeepSeek chat: OpenAI-style sampling and penalties; no seed documented.
  deepseek: {
    temperature: mutable({ min: 0, max: 2, default: 1 }),
    top_p: TOP_P,
    stop: mutable(),
    frequency_penalty: PENALTY,
    presence_penalty: PENALTY,
  },
  // xAI: OpenAI-compatible sampling; reasoning Grok models reject stop/penalties, so those stay opaque.
  xai: { temperature: TEMP_2, top_p: TOP_P },
  // Ollama maps every option to llama.cpp sampling: all accepted.
  ollama: {
    temperature: TEMP_2,
    top_p: TOP_P,
    top_k: mutable({ min: 1 }),
    stop: mutable(),
    seed: mutable(),
    frequency_penalty: PENALTY,
    presence_penalty: PENALTY,
  },
  // Groq (OpenAI-compatible): sampling, stop and seed are documented.
  groq: { temperature: TEMP_2, top_p: TOP_P, stop: mutable(), seed: mutable() },
  // Together and Fireworks host open models with OpenAI-style APIs plus top_k.
  together: {
    temperature: TEMP_2,
    top_p: TOP_P,
    top_k: mutable({ min: 1 }),
    stop: mutable(),
    seed: mutable(),
    frequency_penalty: PENALTY,
    presence_penalty: PENALTY,
  },
  fireworks: {
    temperature: TEMP_2,
    top_p: TOP_P,
    top_k: mutable({ min: 1 }),
    stop: mutable(),
    frequency_penalty: PENALTY,
    presence_penalty: PENALTY,
  },
  other: {},
};

/** Rule 2: facts that hold whatever OpenRouter lists. */
function hardFacts(family: Family, input: ParameterRuleInput): Partial12 {
  const facts: Partial12 = {};
  if (family === 'openai') {
    facts.top_k = unsupported('OpenAI has no top_k');
    if (isOpenAIReasoningModel(input.upstreamModel)) {
      // Reasoning models reject any temperature/top_p other than the default 1, and penalties.
      facts.temperature = readOnly(1);
      facts.top_p = readOnly(1);
      facts.frequency_penalty = unsupported('OpenAI reasoning models reject penalties');
      facts.presence_penalty = unsupported('OpenAI reasoning models reject penalties');
    }
  }
  if (family === 'anthropic') {
    facts.seed = unsupported('Anthropic has no seed');
    facts.frequency_penalty = unsupported('Anthropic has no frequency_penalty');
    facts.presence_penalty = unsupported('Anthropic has no presence_penalty');
  }
  if (family === 'mistral') facts.top_k = unsupported('Mistral has no top_k');
  if (family === 'deepseek') facts.top_k = unsupported('DeepSeek has no top_k');
  if (input.samplingParams === false) {
    for (const name of ['temperature', 'top_p', 'top_k'] as const) {
      facts[name] = unsupported('the model rejects sampling parameters');
    }
  }
  return facts;
}

function effortLevels(input: ParameterRuleInput, family: Family): string[] | undefined {
  const fromOpenRouter = input.openRouter?.supportedEfforts;
  let levels: Set<string>;
  if (fromOpenRouter && fromOpenRouter.length > 0) levels = new Set(fromOpenRouter);
  else if (input.effortFlags || family === 'openai' || family === 'anthropic' || family === 'gemini') {
    // Switchyard's adapters map low/medium/high onto each API (OpenAI reasoning_effort, Anthropic
    // thinking budget or effort, Gemini thinking level/budget); source flags add or remove levels.
    levels = new Set(BASE_EFFORTS);
  } else return undefined;
  for (const [level, on] of Object.entries(input.effortFlags ?? {})) {
    if (on) levels.add(level);
    else levels.delete(level);
  }
  const known: string[] = EFFORT_LEVELS.filter((l) => levels.has(l));
  return known.concat([...levels].filter((l) => !isKnownLevel(l)).sort());
}
const isKnownLevel = (l: string): boolean => (EFFORT_LEVELS as readonly string[]).includes(l);

/** Rule 3: parameters that exist exactly when the capability does. */
function capabilityDriven(input: ParameterRuleInput, family: Family): Partial12 {
  const caps = new Set(input.capabilities);
  const out: Partial12 = {};
  if (caps.has('tools')) {
    out.tools = mutable();
    out.tool_choice = mutable();
  } else {
    out.tools = unsupported('no tool calling');
    out.tool_choice = unsupported('no tool calling');
  }
  const formats = [...(caps.has('json_output') ? ['json_object'] : []), ...(caps.has('json_schema') ? ['json_schema'] : [])];
  out.response_format = formats.length > 0 ? mutable({ allowedValues: ['text', ...formats] }) : unsupported('no JSON output mode');
  if (!caps.has('reasoning')) out.reasoning_effort = unsupported('not a reasoning model');
  else {
    const levels = effortLevels(input, family);
    const def = input.openRouter?.defaultEffort;
    out.reasoning_effort = levels ? mutable({ allowedValues: levels, ...(def && levels.includes(def) ? { default: def } : {}) }) : OPAQUE;
  }
  return out;
}

// OpenRouter parameter names for each of ours (max_output_tokens travels as either).
const OPENROUTER_NAMES: Partial<Record<ParameterName, readonly string[]>> = {
  temperature: ['temperature'],
  top_p: ['top_p'],
  top_k: ['top_k'],
  max_output_tokens: ['max_tokens', 'max_completion_tokens'],
  stop: ['stop'],
  seed: ['seed'],
  frequency_penalty: ['frequency_penalty'],
  presence_penalty: ['presence_penalty'],
};

/** Generic ranges from OpenRouter's own parameter documentation, for families we know nothing of. */
const OPENROUTER_RANGES: Partial12 = {
  temperature: TEMP_2,
  top_p: TOP_P,
  top_k: mutable({ min: 0 }),
  frequency_penalty: PENALTY,
  presence_penalty: PENALTY,
  seed: mutable(),
  stop: mutable(),
};

function maxOutput(input: ParameterRuleInput): ParameterAvailability {
  return mutable({ min: 1, ...(input.maxOutputTokens > 0 ? { max: input.maxOutputTokens } : {}) });
}

/** Rule 4: OpenRouter listed the parameter (mutable, family range, its default) or did not. */
function fromOpenRouter(name: ParameterName, hints: OpenRouterHints, family: Family, input: ParameterRuleInput) {
  const names = OPENROUTER_NAMES[name];
  if (!names) return undefined;
  if (!names.some((n) => hints.supportedParameters.includes(n))) {
    return unsupported('not in OpenRouter supported_parameters');
  }
  if (name === 'max_output_tokens') return maxOutput(input);
  const base = FAMILY_DEFAULTS[family][name] ?? OPENROUTER_RANGES[name] ?? mutable();
  if (base.state !== 'mutable') return base;
  const def = hints.defaultParameters[name];
  return def === null || def === undefined ? base : { ...base, default: def };
}

/** The parameter surface of one model, one availability per name in PARAMETER_NAMES. */
export function deriveParameters(input: ParameterRuleInput): ParameterSurface {
  const surface = {} as ParameterSurface;
  if (input.kind === 'embedding') {
    for (const name of PARAMETER_NAMES) surface[name] = unsupported('embedding model');
    return surface;
  }
  const family = modelFamily(input.vendor, input.upstreamModel);
  const hard = hardFacts(family, input);
  const byCapability = capabilityDriven(input, family);
  for (const name of PARAMETER_NAMES) {
    surface[name] =
      hard[name] ??
      byCapability[name] ??
      (input.openRouter ? fromOpenRouter(name, input.openRouter, family, input) : undefined) ??
      (name === 'max_output_tokens' ? maxOutput(input) : undefined) ??
      FAMILY_DEFAULTS[family][name] ??
      OPAQUE;
  }
  return surface;
}
