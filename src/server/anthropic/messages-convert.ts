// An Anthropic Messages request body → the Chat use case's intent, validated: every bad field
// is reported at once, as a 400 naming it with Anthropic's field names. The same body serves
// count_tokens (where max_tokens and stream are not asked for).
//
// - `system` (a string or text blocks) → one system message first.
// - content blocks: text and image → parts; an assistant's tool_use → its tool calls; a user's
//   tool_result → one `tool` message per result, placed before the user's other content (the
//   order OpenAI-style upstreams require). A result with is_error is marked in its text: the
//   domain has no field for it and the model must still learn the tool failed.
// - thinking / redacted_thinking blocks in the history are dropped: their signatures only mean
//   something to the Anthropic model that wrote them, and the next model may be another one.
// - `thinking.budget_tokens` → reasoningEffort, the nearest THINKING_BUDGET level of the
//   Anthropic adapter (ties go to the smaller budget), so a call routed back to Anthropic gets
//   about the budget the client asked for; "adaptive" → medium; "disabled" sets nothing.
// - Ignored, as hints with no domain meaning: `metadata` (end-user id), `service_tier`, a
//   block's `cache_control`. Refused: server tools, `container`, `mcp_servers`, documents.
// - Every other top-level field rides to the upstream as a provider option, under the same
//   rules as gRPC's `provider_options_json` (only keys the tenant policy allows).
import type { ParameterName } from '../../catalog/types.js';
import type { ChatIntent } from '../../calls/chat-intent.js';
import { THINKING_BUDGET } from '../../providers/anthropic/map.js';
import type { ChatMessage, ChatOptions, ReasoningEffort } from '../../providers/types.js';
import { NO_REQUIREMENTS, type HeaderContext } from '../http-api/http.js';
import { jsonBoundsProblem } from '../json-bounds.js';
import { checkModel, Violations } from '../validate.js';
import { messagesOf, type Obj } from './blocks-convert.js';
import { toolChoiceOf, toolsOf } from './tools-convert.js';

export interface AnthropicChat {
  intent: ChatIntent;
  stream: boolean;
}

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

const MAPPED = new Set([
  'model',
  'messages',
  'system',
  'max_tokens',
  'stream',
  'stop_sequences',
  'temperature',
  'top_p',
  'top_k',
  'tools',
  'tool_choice',
  'thinking',
]);
const IGNORED = new Set(['metadata', 'service_tier']);
const REFUSED: Record<string, string> = {
  container: 'containers are an Anthropic server feature, not supported here',
  mcp_servers: 'the MCP connector is an Anthropic server feature, not supported here',
};

/** The effort whose Anthropic thinking budget is nearest `budget` (the smaller one on a tie). */
export function effortOfBudget(budget: number): Exclude<ReasoningEffort, 'none'> {
  let best: Exclude<ReasoningEffort, 'none'> = 'minimal';
  for (const [effort, tokens] of Object.entries(THINKING_BUDGET) as [Exclude<ReasoningEffort, 'none'>, number][]) {
    if (Math.abs(tokens - budget) < Math.abs(THINKING_BUDGET[best] - budget)) best = effort;
  }
  return best;
}

export function chatFromAnthropic(
  body: unknown,
  maxMessageBytes: number,
  headers: HeaderContext,
  routes: Parameters<typeof checkModel>[3],
  countOnly = false,
): AnthropicChat {
  const v = new Violations();
  if (!isObj(body)) {
    v.add('body', 'must be a JSON object');
    v.throwIfAny();
  }
  const b = body as Obj;
  const model = typeof b.model === 'string' ? b.model : '';
  if (b.model !== undefined && typeof b.model !== 'string') v.add('model', 'must be a string');
  checkModel(v, model, 'model', routes);
  for (const [k, why] of Object.entries(REFUSED)) if (b[k] !== undefined && b[k] !== null) v.add(k, why);

  const stream = !countOnly && b.stream === true;
  if (!countOnly && b.stream !== undefined && b.stream !== null && typeof b.stream !== 'boolean') v.add('stream', 'must be a boolean');

  const set: ParameterName[] = [];
  const options: ChatOptions = {};
  const num = (field: string, min: number, max: number, integer = false): number | undefined => {
    const x = b[field];
    if (x === undefined || x === null) return undefined;
    if (typeof x !== 'number' || !Number.isFinite(x) || x < min || x > max || (integer && !Number.isInteger(x))) {
      v.add(field, `must be ${integer ? 'an integer' : 'a number'} between ${min} and ${max}`);
      return undefined;
    }
    return x;
  };
  const opt = <K extends keyof ChatOptions>(key: K, param: ParameterName, value: ChatOptions[K] | undefined) => {
    if (value === undefined) return;
    options[key] = value;
    set.push(param);
  };
  if (!countOnly) {
    // Required, as Anthropic requires it: clients built for Anthropic always send it.
    if (b.max_tokens === undefined || b.max_tokens === null) v.add('max_tokens', 'is required');
    opt('maxOutputTokens', 'max_output_tokens', num('max_tokens', 1, 10_000_000, true));
  }
  opt('temperature', 'temperature', num('temperature', 0, 1));
  opt('topP', 'top_p', num('top_p', 0, 1));
  opt('topK', 'top_k', num('top_k', 1, 1_000_000, true));
  const stops = b.stop_sequences;
  if (Array.isArray(stops) && stops.every((s) => typeof s === 'string') && stops.length <= 16) {
    if (stops.length > 0) opt('stop', 'stop', stops as string[]);
  } else if (stops !== undefined && stops !== null) v.add('stop_sequences', 'must be an array of at most 16 strings');
  opt('reasoningEffort', 'reasoning_effort', thinkingOf(v, b.thinking));

  const tools = toolsOf(v, b.tools);
  if (tools.length > 0) set.push('tools');
  const toolChoice = toolChoiceOf(v, b.tool_choice, tools);
  if (toolChoice) set.push('tool_choice');

  const messages: ChatMessage[] = [...systemOf(v, b.system), ...messagesOf(v, b.messages, maxMessageBytes)];
  const providerOptions: Obj = {};
  for (const [k, x] of Object.entries(b)) {
    if (!MAPPED.has(k) && !IGNORED.has(k) && !(k in REFUSED) && x !== undefined && x !== null) providerOptions[k] = x;
  }
  if (Object.keys(providerOptions).length > 0) {
    const problem = jsonBoundsProblem(JSON.stringify(providerOptions));
    if (problem) v.add(Object.keys(providerOptions)[0]!, problem);
  }
  v.throwIfAny();
  return {
    stream,
    intent: {
      model,
      body: {
        messages,
        options,
        tools,
        toolChoice,
        providerOptions: Object.keys(providerOptions).length > 0 ? providerOptions : undefined,
        setParameters: set,
      },
      requirements: NO_REQUIREMENTS,
      strategy: headers.strategy,
      context: headers.context,
    },
  };
}

function thinkingOf(v: Violations, t: unknown): ReasoningEffort | undefined {
  if (t === undefined || t === null) return undefined;
  if (isObj(t) && t.type === 'disabled') return undefined;
  if (isObj(t) && t.type === 'adaptive') return 'medium';
  if (isObj(t) && t.type === 'enabled') {
    const budget = t.budget_tokens;
    if (typeof budget === 'number' && Number.isInteger(budget) && budget >= 1024) return effortOfBudget(budget);
    v.add('thinking.budget_tokens', 'must be an integer of at least 1024');
    return undefined;
  }
  v.add('thinking', 'must be {"type": "enabled", "budget_tokens": n}, {"type": "adaptive"} or {"type": "disabled"}');
  return undefined;
}

function systemOf(v: Violations, s: unknown): ChatMessage[] {
  if (s === undefined || s === null) return [];
  let text: string | undefined;
  if (typeof s === 'string') text = s;
  else if (Array.isArray(s) && s.every((x) => isObj(x) && x.type === 'text' && typeof x.text === 'string')) {
    text = s.map((x) => (x as { text: string }).text).join('\n\n');
  } else v.add('system', 'must be a string or an array of text blocks');
  return text ? [{ role: 'system', content: text, parts: [], toolCalls: [] }] : [];
}
