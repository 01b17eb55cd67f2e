// An OpenAI chat-completions request body → the Chat use case's intent, validated: every bad
// field is reported at once, as a 400 naming it with OpenAI's field names. What Switchyard
// cannot honour (more than one choice, logprobs, audio) is refused, never silently dropped.
import type { ParameterName } from '../../catalog/types.js';
import type { ChatIntent } from '../../calls/chat-intent.js';
import type { ChatMessage, ChatOptions, ContentPart, ReasoningEffort, ToolChoice, ToolDef } from '../../providers/types.js';
import { jsonBoundsProblem, MAX_TOOLS } from '../json-bounds.js';
import { checkModel, Violations } from '../validate.js';
import { NO_REQUIREMENTS, type HeaderContext } from './http.js';

export interface OpenAiChat {
  intent: ChatIntent;
  stream: boolean;
  includeUsage: boolean;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const TOOL_NAME = /^[A-Za-z0-9_-]{1,64}$/;
const EFFORTS: readonly ReasoningEffort[] = ['none', 'minimal', 'low', 'medium', 'high'];

/**
 * Fields this API maps to the contract, or reads itself. Every other top-level field rides to
 * the upstream as a provider option, under the same rules as gRPC's `provider_options_json`
 * (never a field Switchyard owns; only keys the tenant policy allows). `user`, `metadata`,
 * `parallel_tool_calls`, `logit_bias`, `store`… go this way.
 */
const MAPPED = new Set([
  'model',
  'messages',
  'stream',
  'stream_options',
  'max_tokens',
  'max_completion_tokens',
  'temperature',
  'top_p',
  'top_k',
  'stop',
  'seed',
  'frequency_penalty',
  'presence_penalty',
  'response_format',
  'reasoning_effort',
  'tools',
  'tool_choice',
  'n',
  'logprobs',
  'top_logprobs',
  'audio',
  'modalities',
  'functions',
  'function_call',
]);

/** Provider options whose violations name the option itself (this API has no provider_options_json). */
export function chatFieldName(field: string): string {
  return field.startsWith('provider_options_json.') ? field.slice('provider_options_json.'.length) : field;
}

export function chatFromOpenAi(
  body: unknown,
  maxMessageBytes: number,
  headers: HeaderContext,
  routes: Parameters<typeof checkModel>[3],
): OpenAiChat {
  const v = new Violations();
  if (!isObj(body)) {
    v.add('body', 'must be a JSON object');
    v.throwIfAny();
  }
  const b = body as Obj;
  const model = typeof b.model === 'string' ? b.model : '';
  if (b.model !== undefined && typeof b.model !== 'string') v.add('model', 'must be a string');
  checkModel(v, model, 'model', routes);

  // Refused: Switchyard returns one choice, without logprobs or audio.
  if (b.n !== undefined && b.n !== null && b.n !== 1) v.add('n', 'only 1 is supported (Switchyard returns one choice)');
  if (b.logprobs === true) v.add('logprobs', 'is not supported');
  if (b.top_logprobs !== undefined && b.top_logprobs !== null) v.add('top_logprobs', 'is not supported');
  if (b.audio !== undefined && b.audio !== null) v.add('audio', 'audio output is not supported');
  if (Array.isArray(b.modalities) && b.modalities.some((m) => m !== 'text')) v.add('modalities', 'only ["text"] is supported');
  if (b.functions !== undefined || b.function_call !== undefined) v.add('functions', 'use tools and tool_choice');

  const stream = b.stream === true;
  if (b.stream !== undefined && b.stream !== null && typeof b.stream !== 'boolean') v.add('stream', 'must be a boolean');
  const so = b.stream_options;
  if (so !== undefined && so !== null && !stream) v.add('stream_options', 'is only allowed with stream: true');
  const includeUsage = isObj(so) && so.include_usage === true;

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
  const maxTokens = num('max_tokens', 1, 10_000_000, true);
  const maxCompletion = num('max_completion_tokens', 1, 10_000_000, true);
  if (maxTokens !== undefined && maxCompletion !== undefined && maxTokens !== maxCompletion)
    v.add('max_tokens', 'set max_tokens or max_completion_tokens, not both');
  const opt = <K extends keyof ChatOptions>(key: K, param: ParameterName, value: ChatOptions[K] | undefined) => {
    if (value === undefined) return;
    options[key] = value;
    set.push(param);
  };
  opt('maxOutputTokens', 'max_output_tokens', maxCompletion ?? maxTokens);
  opt('temperature', 'temperature', num('temperature', 0, 2));
  opt('topP', 'top_p', num('top_p', 0, 1));
  opt('topK', 'top_k', num('top_k', 1, 1_000_000, true));
  opt('seed', 'seed', num('seed', Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, true));
  opt('frequencyPenalty', 'frequency_penalty', num('frequency_penalty', -2, 2));
  opt('presencePenalty', 'presence_penalty', num('presence_penalty', -2, 2));
  if (typeof b.stop === 'string') opt('stop', 'stop', [b.stop]);
  else if (Array.isArray(b.stop) && b.stop.every((s) => typeof s === 'string') && b.stop.length <= 16) {
    if (b.stop.length > 0) opt('stop', 'stop', b.stop as string[]);
  } else if (b.stop !== undefined && b.stop !== null) v.add('stop', 'must be a string or an array of at most 16 strings');
  if (b.reasoning_effort !== undefined && b.reasoning_effort !== null) {
    if (EFFORTS.includes(b.reasoning_effort as ReasoningEffort))
      opt('reasoningEffort', 'reasoning_effort', b.reasoning_effort as ReasoningEffort);
    else v.add('reasoning_effort', `must be one of ${EFFORTS.join(', ')}`);
  }
  responseFormat(v, b.response_format, options, set);

  const tools = toolsOf(v, b.tools);
  if (tools.length > 0) set.push('tools');
  const toolChoice = toolChoiceOf(v, b.tool_choice, tools);
  if (toolChoice) set.push('tool_choice');

  const messages = messagesOf(v, b.messages, maxMessageBytes);
  const providerOptions: Obj = {};
  for (const [k, x] of Object.entries(b)) if (!MAPPED.has(k) && x !== undefined && x !== null) providerOptions[k] = x;
  if (Object.keys(providerOptions).length > 0) {
    const problem = jsonBoundsProblem(JSON.stringify(providerOptions));
    if (problem) v.add(Object.keys(providerOptions)[0]!, problem);
  }
  v.throwIfAny();
  return {
    stream,
    includeUsage,
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

function schemaOf(v: Violations, field: string, x: unknown): Obj | undefined {
  if (!isObj(x)) {
    v.add(field, 'must be a JSON object');
    return undefined;
  }
  const problem = jsonBoundsProblem(JSON.stringify(x));
  if (problem) v.add(field, problem);
  return x;
}

function responseFormat(v: Violations, rf: unknown, options: ChatOptions, set: ParameterName[]): void {
  if (rf === undefined || rf === null) return;
  const type = isObj(rf) ? rf.type : undefined;
  if (type === 'text') return;
  if (type === 'json_object') {
    options.responseFormat = { type: 'json_object' };
    set.push('response_format');
  } else if (type === 'json_schema' && isObj(rf) && isObj(rf.json_schema)) {
    const js = rf.json_schema;
    const name = typeof js.name === 'string' && TOOL_NAME.test(js.name) ? js.name : undefined;
    if (js.name !== undefined && !name) v.add('response_format.json_schema.name', 'must be 1-64 letters, digits, "_" or "-"');
    const schema = schemaOf(v, 'response_format.json_schema.schema', js.schema ?? {}) ?? {};
    options.responseFormat = { type: 'json_schema', name: name ?? 'response', schema, strict: js.strict === true };
    set.push('response_format');
  } else v.add('response_format', 'must be {"type": "text"}, {"type": "json_object"} or {"type": "json_schema", "json_schema": {...}}');
}

function toolsOf(v: Violations, raw: unknown): ToolDef[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) {
    v.add('tools', 'must be an array');
    return [];
  }
  if (raw.length > MAX_TOOLS) v.add('tools', `at most ${MAX_TOOLS} tools`);
  return raw.map((t, i) => {
    const fn = isObj(t) && t.type === 'function' && isObj(t.function) ? t.function : undefined;
    if (!fn) {
      v.add(`tools[${i}]`, 'must be {"type": "function", "function": {...}}');
      return { name: '', description: '', parameters: {} };
    }
    const name = typeof fn.name === 'string' ? fn.name : '';
    if (!TOOL_NAME.test(name)) v.add(`tools[${i}].function.name`, 'must be 1-64 letters, digits, "_" or "-"');
    const parameters =
      fn.parameters === undefined
        ? { type: 'object', properties: {} }
        : (schemaOf(v, `tools[${i}].function.parameters`, fn.parameters) ?? {});
    return { name, description: typeof fn.description === 'string' ? fn.description : '', parameters };
  });
}

function toolChoiceOf(v: Violations, tc: unknown, tools: ToolDef[]): ToolChoice | undefined {
  if (tc === undefined || tc === null) return undefined;
  let choice: ToolChoice | undefined;
  if (tc === 'auto' || tc === 'none' || tc === 'required') choice = { mode: tc };
  else if (isObj(tc) && tc.type === 'function' && isObj(tc.function) && typeof tc.function.name === 'string') {
    const name = tc.function.name;
    if (!tools.some((t) => t.name === name)) v.add('tool_choice.function.name', 'must name one of the tools');
    choice = { mode: 'function', name };
  } else {
    v.add('tool_choice', 'must be "auto", "none", "required" or {"type": "function", "function": {"name": ...}}');
    return undefined;
  }
  if (tools.length === 0 && choice?.mode !== 'none') v.add('tool_choice', 'needs tools');
  return choice;
}

const ROLES: Record<string, ChatMessage['role']> = {
  system: 'system',
  developer: 'system',
  user: 'user',
  assistant: 'assistant',
  tool: 'tool',
};

function messagesOf(v: Violations, raw: unknown, maxBytes: number): ChatMessage[] {
  if (!Array.isArray(raw) || raw.length === 0) {
    v.add('messages', 'must be a non-empty array');
    return [];
  }
  let bytes = 0;
  const out = raw.map((m, i): ChatMessage => {
    const f = `messages[${i}]`;
    const role = isObj(m) && typeof m.role === 'string' ? ROLES[m.role] : undefined;
    if (!isObj(m) || !role) {
      v.add(`${f}.role`, 'must be one of system, developer, user, assistant, tool');
      return { role: 'user', content: '', parts: [], toolCalls: [] };
    }
    if (m.audio !== undefined && m.audio !== null) v.add(`${f}.audio`, 'audio is not supported');
    const msg: ChatMessage = { role, content: '', parts: [], toolCalls: [] };
    if (typeof m.name === 'string' && m.name !== '') msg.name = m.name;
    if (typeof m.content === 'string') msg.content = m.content;
    else if (Array.isArray(m.content)) msg.parts = m.content.map((p, j) => partOf(v, `${f}.content[${j}]`, p, role));
    else if (m.content !== undefined && m.content !== null) v.add(`${f}.content`, 'must be a string or an array of content parts');
    else if (role !== 'assistant') v.add(`${f}.content`, 'is required');
    if (role === 'tool') {
      if (typeof m.tool_call_id !== 'string' || m.tool_call_id === '') v.add(`${f}.tool_call_id`, 'is required for role tool');
      else msg.toolCallId = m.tool_call_id;
    }
    if (role === 'assistant' && Array.isArray(m.tool_calls)) {
      msg.toolCalls = m.tool_calls.map((c, j) => {
        const fn = isObj(c) && isObj(c.function) ? c.function : undefined;
        if (!isObj(c) || typeof c.id !== 'string' || !fn || typeof fn.name !== 'string') {
          v.add(`${f}.tool_calls[${j}]`, 'must be {"id", "type": "function", "function": {"name", "arguments"}}');
          return { id: '', name: '', argumentsJson: '{}' };
        }
        const args = typeof fn.arguments === 'string' && fn.arguments !== '' ? fn.arguments : '{}';
        return { id: c.id, name: fn.name, argumentsJson: args };
      });
    }
    bytes += msg.content.length + (msg.name?.length ?? 0) + (msg.toolCallId?.length ?? 0);
    for (const p of msg.parts) bytes += p.type === 'text' ? p.text.length : (p.url?.length ?? 0);
    for (const c of msg.toolCalls) bytes += c.argumentsJson.length + c.name.length + c.id.length;
    return msg;
  });
  if (bytes > maxBytes) v.add('messages', `total size ${bytes} exceeds the limit of ${maxBytes} bytes`);
  return out;
}

function partOf(v: Violations, f: string, p: unknown, role: ChatMessage['role']): ContentPart {
  if (isObj(p) && p.type === 'text' && typeof p.text === 'string') return { type: 'text', text: p.text };
  if (isObj(p) && p.type === 'refusal' && typeof p.refusal === 'string' && role === 'assistant') return { type: 'text', text: p.refusal };
  if (isObj(p) && p.type === 'image_url' && role === 'user') {
    const url = isObj(p.image_url) ? p.image_url.url : undefined;
    if (typeof url === 'string' && /^(https?:|data:image\/)/i.test(url)) return { type: 'image', url };
    v.add(`${f}.image_url.url`, 'must be an http(s) URL or a data:image/... URL');
    return { type: 'text', text: '' };
  }
  const type = isObj(p) ? String(p.type) : typeof p;
  v.add(`${f}`, `content part "${type}" is not supported here (text${role === 'user' ? ', image_url' : ''})`);
  return { type: 'text', text: '' };
}
