// What a caller asks of Chat, in domain terms (every way in converts its own wire form to
// this), and fitting it to one candidate model: parameters the model does not accept are
// dropped and reported.
import type { ModelEntry, ParameterName } from '../catalog/types.js';
import type { ChatMessage, ChatOptions, ToolChoice, ToolDef } from '../providers/types.js';
import type { EstimableMessage } from '../routing/estimate.js';
import type { Requirements, StrategyName } from '../routing/types.js';
import type { CallContext } from './plan-call.js';

/** The conversation and its parameters, as sent to any candidate before fitting. */
export interface ChatBody {
  messages: ChatMessage[];
  options: ChatOptions;
  tools: ToolDef[];
  toolChoice?: ToolChoice | undefined;
  /** The caller's escape hatch (providers/options.ts says what it may never set). */
  providerOptions?: Record<string, unknown> | undefined;
  /** Catalog parameter names the request sets (for the unsupported-parameter policy). */
  setParameters: ParameterName[];
}

export interface ChatIntent {
  /** A model id, a bare upstream name or an alias; "" when a route rule chooses. */
  model: string;
  body: ChatBody;
  requirements: Requirements;
  strategy?: StrategyName | undefined;
  context: CallContext;
}

/** The conversation as the input estimate counts it. */
export function estimableMessages(messages: readonly ChatMessage[]): EstimableMessage[] {
  return messages.map((m) => ({
    role: m.role,
    name: m.name,
    toolCallId: m.toolCallId,
    content: m.content,
    parts: m.parts.map((p) => (p.type === 'text' ? { text: p.text } : { image: true })),
    toolCalls: m.toolCalls,
  }));
}

const OPTION_OF: Partial<Record<ParameterName, keyof ChatOptions>> = {
  max_output_tokens: 'maxOutputTokens',
  temperature: 'temperature',
  top_p: 'topP',
  top_k: 'topK',
  stop: 'stop',
  seed: 'seed',
  frequency_penalty: 'frequencyPenalty',
  presence_penalty: 'presencePenalty',
  response_format: 'responseFormat',
  reasoning_effort: 'reasoningEffort',
};

/** Drops the parameters `model` does not accept; returns the body to send and what was dropped. */
export function fitToModel(body: ChatBody, model: ModelEntry): { body: ChatBody; dropped: ParameterName[] } {
  const dropped = body.setParameters.filter((p) => model.parameters[p]?.state === 'unsupported');
  if (dropped.length === 0) return { body, dropped };
  const options = { ...body.options };
  for (const p of dropped) {
    const key = OPTION_OF[p];
    if (key) delete options[key];
  }
  const noTools = dropped.includes('tools');
  return {
    body: {
      ...body,
      options,
      tools: noTools ? [] : body.tools,
      toolChoice: noTools || dropped.includes('tool_choice') ? undefined : body.toolChoice,
    },
    dropped,
  };
}
