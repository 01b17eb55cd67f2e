// Counting a Chat's input tokens without calling a model (Anthropic's count_tokens): exactly
// the estimate the planner sizes reservations and context checks with, from the same
// planCall (the tokenizer of the model the request resolves to). Nothing is reserved,
// executed or recorded. Tool definitions are not counted, as the planner does not count them.
import type { Caller } from './caller.js';
import { estimableMessages, type ChatIntent } from './chat-intent.js';
import type { CallDeps } from './deps.js';
import { planCall } from './plan-call.js';

export function countChatInputTokens(intent: ChatIntent, caller: Caller, deps: CallDeps): { inputTokens: number; tokenizer: string } {
  const planned = planCall(
    {
      model: intent.model,
      kind: 'chat',
      input: { messages: estimableMessages(intent.body.messages) },
      maxOutputTokens: 0,
      requirements: intent.requirements,
      strategy: intent.strategy,
      context: intent.context,
      setParameters: intent.body.setParameters,
    },
    caller,
    deps,
  );
  return { inputTokens: planned.request.inputTokens, tokenizer: planned.request.tokenizer };
}
