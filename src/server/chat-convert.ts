// ChatRequest (proto) → validated domain call; executor events → ChatResponse messages.
import { create } from '@bufbuild/protobuf';
import { Role, type Message } from '../../gen/switchyard/v1/common_pb.js';
import {
  ChatRequestSchema,
  ChatResponseSchema,
  FinishReason,
  ReasoningEffort,
  ResponseFormat_Type,
  ToolChoice_Mode,
  UpstreamErrorKind,
  type ChatRequest,
  type ChatResponse,
} from '../../gen/switchyard/v1/router_pb.js';
import type { ParameterName } from '../catalog/types.js';
import type { ChatCallEvent } from '../calls/chat.js';
import type { ChatBody, ChatIntent } from '../calls/chat-intent.js';
import type { ChatMessage, ChatOptions, ContentPart, ToolChoice, ToolDef } from '../providers/types.js';
import { SHUTTING_DOWN_MESSAGE } from './shutdown.js';
import { contextFromProto, requirementsFromProto, strategyFromProto } from './convert.js';
import { jsonBoundsProblem, MAX_TOOLS } from './json-bounds.js';
import { checkMessages, checkModel, checkContextIds, checkRequestId, checkRequirements, Violations } from './validate.js';

const ROLE: Record<number, ChatMessage['role']> = {
  [Role.SYSTEM]: 'system',
  [Role.USER]: 'user',
  [Role.ASSISTANT]: 'assistant',
  [Role.TOOL]: 'tool',
};
const EFFORT: Record<number, ChatOptions['reasoningEffort']> = {
  [ReasoningEffort.NONE]: 'none',
  [ReasoningEffort.MINIMAL]: 'minimal',
  [ReasoningEffort.LOW]: 'low',
  [ReasoningEffort.MEDIUM]: 'medium',
  [ReasoningEffort.HIGH]: 'high',
};
const TOOL_NAME = /^[A-Za-z0-9_-]{1,64}$/;

function jsonObject(v: Violations, field: string, text: string): Record<string, unknown> | undefined {
  const problem = jsonBoundsProblem(text);
  if (problem) {
    v.add(field, problem);
    return undefined;
  }
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
    v.add(field, 'must be a JSON object');
  } catch (err) {
    v.add(field, `is not valid JSON: ${(err as Error).message}`);
  }
  return undefined;
}

function range(v: Violations, field: string, value: number | undefined, min: number, max: number): void {
  if (value !== undefined && (!Number.isFinite(value) || value < min || value > max)) v.add(field, `must be between ${min} and ${max}`);
}

/** Validates a ChatRequest and converts it; throws INVALID_ARGUMENT naming every bad field. */
export function chatBodyFromProto(req: ChatRequest, maxMessageBytes: number, routes?: Parameters<typeof checkModel>[3]): ChatBody {
  const v = new Violations();
  v.enums(ChatRequestSchema, req);
  checkModel(v, req.model, 'model', routes);
  checkMessages(v, req.messages, maxMessageBytes, true);
  checkRequirements(v, req.requirements);
  checkRequestId(v, req.requestId);
  checkContextIds(v, req.context);
  const o = req.options;
  const options: ChatOptions = {};
  const set: ParameterName[] = [];
  if (o) {
    if (o.maxOutputTokens !== undefined) {
      if (o.maxOutputTokens < 1n || o.maxOutputTokens > 10_000_000n) v.add('options.max_output_tokens', 'must be between 1 and 10000000');
      options.maxOutputTokens = Number(o.maxOutputTokens);
      set.push('max_output_tokens');
    }
    range(v, 'options.temperature', o.temperature, 0, 2);
    range(v, 'options.top_p', o.topP, 0, 1);
    range(v, 'options.frequency_penalty', o.frequencyPenalty, -2, 2);
    range(v, 'options.presence_penalty', o.presencePenalty, -2, 2);
    if (o.topK !== undefined && o.topK < 1n) v.add('options.top_k', 'must be at least 1');
    if (o.temperature !== undefined) (options.temperature = o.temperature), set.push('temperature');
    if (o.topP !== undefined) (options.topP = o.topP), set.push('top_p');
    if (o.topK !== undefined) (options.topK = Number(o.topK)), set.push('top_k');
    if (o.stop.length > 0) (options.stop = o.stop), set.push('stop');
    if (o.seed !== undefined) (options.seed = Number(o.seed)), set.push('seed');
    if (o.frequencyPenalty !== undefined) (options.frequencyPenalty = o.frequencyPenalty), set.push('frequency_penalty');
    if (o.presencePenalty !== undefined) (options.presencePenalty = o.presencePenalty), set.push('presence_penalty');
    if (o.reasoningEffort !== ReasoningEffort.UNSPECIFIED)
      (options.reasoningEffort = EFFORT[o.reasoningEffort]), set.push('reasoning_effort');
    const rf = o.responseFormat;
    if (rf && rf.type === ResponseFormat_Type.JSON_OBJECT) (options.responseFormat = { type: 'json_object' }), set.push('response_format');
    if (rf && rf.type === ResponseFormat_Type.JSON_SCHEMA) {
      const schema = jsonObject(v, 'options.response_format.json_schema', rf.jsonSchema);
      options.responseFormat = { type: 'json_schema', name: rf.name || 'response', schema: schema ?? {}, strict: rf.strict };
      set.push('response_format');
    }
  }

  if (req.tools.length > MAX_TOOLS) v.add('tools', `at most ${MAX_TOOLS} tools`);
  const tools: ToolDef[] = req.tools.map((t, i) => {
    if (!TOOL_NAME.test(t.name)) v.add(`tools[${i}].name`, 'must be 1-64 letters, digits, "_" or "-"');
    const parameters = t.parametersJsonSchema
      ? (jsonObject(v, `tools[${i}].parameters_json_schema`, t.parametersJsonSchema) ?? {})
      : { type: 'object', properties: {} };
    return { name: t.name, description: t.description, parameters };
  });
  if (tools.length > 0) set.push('tools');
  let toolChoice: ToolChoice | undefined;
  const tc = req.toolChoice;
  if (tc && tc.mode !== ToolChoice_Mode.UNSPECIFIED) {
    set.push('tool_choice');
    if (tc.mode === ToolChoice_Mode.AUTO) toolChoice = { mode: 'auto' };
    else if (tc.mode === ToolChoice_Mode.NONE) toolChoice = { mode: 'none' };
    else if (tc.mode === ToolChoice_Mode.REQUIRED) toolChoice = { mode: 'required' };
    else {
      if (!tools.some((t) => t.name === tc.functionName)) v.add('tool_choice.function_name', 'must name one of the tools');
      toolChoice = { mode: 'function', name: tc.functionName };
    }
    if (tools.length === 0 && tc.mode !== ToolChoice_Mode.NONE) v.add('tool_choice', 'needs tools');
  }
  const providerOptions = req.providerOptionsJson ? jsonObject(v, 'provider_options_json', req.providerOptionsJson) : undefined;
  v.throwIfAny();
  return { messages: req.messages.map(messageFromProto), options, tools, toolChoice, providerOptions, setParameters: set };
}

function messageFromProto(m: Message): ChatMessage {
  const parts: ContentPart[] = m.parts.map((p) => {
    if (p.part.case === 'text') return { type: 'text', text: p.part.value };
    const img = p.part.value!;
    return img.source.case === 'url'
      ? { type: 'image', url: img.source.value, mimeType: img.mimeType || undefined }
      : { type: 'image', data: img.source.value, mimeType: img.mimeType };
  });
  return {
    role: ROLE[m.role]!,
    content: m.content,
    parts,
    toolCalls: m.toolCalls.map((c) => ({ id: c.id, name: c.name, argumentsJson: c.argumentsJson || '{}' })),
    toolCallId: m.toolCallId || undefined,
    name: m.name || undefined,
  };
}

const FINISH: Record<string, FinishReason> = {
  stop: FinishReason.STOP,
  length: FinishReason.LENGTH,
  tool_calls: FinishReason.TOOL_CALLS,
  content_filter: FinishReason.CONTENT_FILTER,
  error: FinishReason.ERROR,
  cancelled: FinishReason.CANCELLED,
};

/** gRPC code names the finish error kinds map to (FinishError.code). */
const CODE_OF_KIND: Record<string, string> = {
  rate_limited: 'RESOURCE_EXHAUSTED',
  overloaded: 'UNAVAILABLE',
  server_error: 'UNAVAILABLE',
  timeout: 'DEADLINE_EXCEEDED',
  connection: 'UNAVAILABLE',
  auth: 'INTERNAL',
  bad_request: 'INVALID_ARGUMENT',
  not_found: 'NOT_FOUND',
  context_length_exceeded: 'INVALID_ARGUMENT',
  content_filtered: 'FAILED_PRECONDITION',
  stream_interrupted: 'UNAVAILABLE',
  cancelled: 'CANCELLED',
  no_candidate: 'FAILED_PRECONDITION',
};

export function upstreamKindToProto(kind: string): UpstreamErrorKind {
  return (UpstreamErrorKind as unknown as Record<string, UpstreamErrorKind>)[kind.toUpperCase()] ?? UpstreamErrorKind.UNSPECIFIED;
}

/** One executor event → one ChatResponse (route events get decision id and dropped params). */
/** A ChatRequest as the Chat use case's intent (validated: INVALID_ARGUMENT naming every bad field). */
export function chatIntentFromProto(req: ChatRequest, maxMessageBytes: number, routes: Parameters<typeof checkModel>[3]): ChatIntent {
  return {
    model: req.model,
    body: chatBodyFromProto(req, maxMessageBytes, routes),
    requirements: requirementsFromProto(req.requirements),
    strategy: strategyFromProto(req.strategy),
    context: contextFromProto(req.context, req.requestId),
  };
}

/** The `finish` of a stream cut by a server shutdown: an error the caller may retry. */
export function shutdownFinish(): ChatResponse {
  return create(ChatResponseSchema, {
    event: {
      case: 'finish',
      value: {
        reason: FinishReason.ERROR,
        error: { kind: UpstreamErrorKind.UNSPECIFIED, message: SHUTTING_DOWN_MESSAGE, code: 'UNAVAILABLE' },
      },
    },
  });
}

/** One Chat event → one ChatResponse. */
export function chatEventToProto(e: ChatCallEvent): ChatResponse {
  switch (e.type) {
    case 'route':
      return create(ChatResponseSchema, {
        event: {
          case: 'route',
          value: {
            provider: e.provider,
            model: e.model,
            upstreamModel: e.upstreamModel,
            attempt: e.attempt,
            decisionId: e.decisionId,
            droppedParameters: [...e.dropped],
          },
        },
      });
    case 'delta':
      return create(ChatResponseSchema, { event: { case: 'delta', value: { text: e.text, reasoning: e.reasoning ?? '' } } });
    case 'tool_call':
      return create(ChatResponseSchema, {
        event: { case: 'toolCall', value: { index: e.index, id: e.id ?? '', name: e.name ?? '', argumentsDelta: e.argumentsDelta } },
      });
    case 'attempt_failed':
      return create(ChatResponseSchema, {
        event: {
          case: 'attemptFailed',
          value: {
            provider: e.provider,
            model: e.model,
            code: upstreamKindToProto(e.error.kind),
            message: e.error.message,
            retrying: e.retrying,
            attempt: e.attempt,
          },
        },
      });
    case 'usage': {
      const u = e.usage;
      return create(ChatResponseSchema, {
        event: {
          case: 'usage',
          value: {
            inputTokens: BigInt(u.inputTokens),
            outputTokens: BigInt(u.outputTokens),
            cachedInputTokens: BigInt(u.cachedInputTokens),
            reasoningTokens: BigInt(u.reasoningTokens),
            cost: e.cost,
            estimated: e.estimated,
          },
        },
      });
    }
    case 'finish':
      return create(ChatResponseSchema, {
        event: {
          case: 'finish',
          value: {
            reason: FINISH[e.reason] ?? FinishReason.ERROR,
            error: e.error
              ? { kind: upstreamKindToProto(e.error.kind), message: e.error.message, code: CODE_OF_KIND[e.error.kind] ?? 'UNKNOWN' }
              : undefined,
          },
        },
      });
  }
}
