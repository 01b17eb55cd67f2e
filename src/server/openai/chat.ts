// POST /v1/chat/completions: converts the body, calls the Chat use case and answers as OpenAI
// does, one `chat.completion` or a stream of `chat.completion.chunk` events. The response id
// is `chatcmpl-<decisionId>`, `model` the routed model id, and `x-switchyard-decision-id`
// names the decision (GetDecision) on every answer that has one.
import type { Caller } from '../../calls/caller.js';
import { runChat, type ChatCallEvent } from '../../calls/chat.js';
import type { Usage } from '../../providers/types.js';
import type { NodeRequest, NodeResponse } from '../http-server.js';
import { callSignal } from '../http-api/abort.js';
import { abortedByShutdown, SHUTTING_DOWN_MESSAGE, SHUTTING_DOWN_REASON } from '../shutdown.js';
import { chatFieldName, chatFromOpenAi, type OpenAiChat } from './chat-convert.js';
import { errorBody, finishErrorOf, httpErrorOf, type HttpError } from './errors.js';
import {
  contextFromHeaders,
  DECISION_HEADER,
  refusedDecisionId,
  headerFieldName,
  readJson,
  sendError,
  sendJson,
  type OpenAiApiDeps,
} from './http.js';
import { ChatSse, usageToOpenAi, type CompletionMeta } from './sse.js';

export const renameChatField = (field: string) => headerFieldName(chatFieldName(field));

export async function handleChat(req: NodeRequest, res: NodeResponse, caller: Caller, api: OpenAiApiDeps, shutdown: AbortSignal) {
  const body = await readJson(req, api.maxBodyBytes);
  const headers = contextFromHeaders(req.headers);
  const routes = { rules: api.calls.snapshot().routes, tenant: caller.tenant, ...headers.context };
  const chat = chatFromOpenAi(body, api.maxMessageBytes, headers, routes);

  const call = callSignal(res, shutdown);
  try {
    const events = runChat(chat.intent, caller, api.calls, { signal: call.signal });
    await (chat.stream ? streamChat(events, res, chat, call.signal, api) : answerChat(events, res, call.signal, api));
  } finally {
    call.dispose();
  }
}

const meta = (): CompletionMeta => ({ id: '', created: Math.floor(Date.now() / 1000), model: '', decisionId: '' });

function onRoute(m: CompletionMeta, e: Extract<ChatCallEvent, { type: 'route' }>): void {
  m.decisionId = e.decisionId;
  m.id = `chatcmpl-${e.decisionId}`;
  m.model = e.model;
}

const SHUTDOWN_ERROR: HttpError = { status: 503, body: errorBody(503, SHUTTING_DOWN_MESSAGE, SHUTTING_DOWN_REASON) };

/** How a `finish` that is not a clean end is told; undefined when nobody is left to tell. */
function failureOf(e: Extract<ChatCallEvent, { type: 'finish' }>, signal: AbortSignal): HttpError | undefined {
  if (e.reason === 'cancelled') return abortedByShutdown(signal) ? SHUTDOWN_ERROR : undefined;
  return finishErrorOf(e.error ?? { kind: 'server_error', message: 'the call ended with an error' });
}

async function streamChat(
  events: AsyncGenerator<ChatCallEvent>,
  res: NodeResponse,
  chat: OpenAiChat,
  signal: AbortSignal,
  api: OpenAiApiDeps,
): Promise<void> {
  const m = meta();
  const sse = new ChatSse(res, m);
  let usage: Usage | undefined;
  try {
    for await (const e of events) {
      if (e.type === 'route') onRoute(m, e);
      else if (e.type === 'delta' || e.type === 'tool_call') await sse.content(e);
      else if (e.type === 'usage') usage = e.usage;
      else if (e.type === 'finish') {
        if (e.reason === 'error' || e.reason === 'cancelled') {
          const failure = failureOf(e, signal);
          if (failure) await sse.fail(failure);
          else res.end();
        } else await sse.finish(e.reason, usage, chat.includeUsage);
      }
    }
  } catch (err) {
    m.decisionId ||= refusedDecisionId(err);
    await sse.fail(httpErrorOf(err, api.log, renameChatField));
  } finally {
    if (!res.writableEnded) res.end();
  }
}

interface Collected {
  text: string;
  reasoning: string;
  calls: { id: string; name: string; arguments: string }[];
}

async function answerChat(
  events: AsyncGenerator<ChatCallEvent>,
  res: NodeResponse,
  signal: AbortSignal,
  api: OpenAiApiDeps,
): Promise<void> {
  const m = meta();
  const out: Collected = { text: '', reasoning: '', calls: [] };
  let usage: Usage | undefined;
  const decision = () => ({ [DECISION_HEADER]: m.decisionId || undefined });
  const fail = (err: HttpError) => sendError(res, err, decision());
  try {
    for await (const e of events) {
      switch (e.type) {
        case 'route':
          onRoute(m, e);
          break;
        case 'delta':
          out.text += e.text;
          out.reasoning += e.reasoning ?? '';
          break;
        case 'tool_call': {
          const c = (out.calls[e.index] ??= { id: '', name: '', arguments: '' });
          if (e.id !== undefined) c.id = e.id;
          if (e.name !== undefined) c.name += e.name;
          c.arguments += e.argumentsDelta;
          break;
        }
        case 'usage':
          usage = e.usage;
          break;
        case 'finish': {
          if (e.reason === 'error' || e.reason === 'cancelled') {
            const failure = failureOf(e, signal);
            if (failure) fail(failure);
            else res.end();
            break;
          }
          sendJson(res, 200, completion(m, out, e.reason, usage), decision());
          break;
        }
      }
    }
  } catch (err) {
    m.decisionId ||= refusedDecisionId(err);
    fail(httpErrorOf(err, api.log, renameChatField));
  } finally {
    if (!res.writableEnded) res.end();
  }
}

function completion(m: CompletionMeta, out: Collected, finishReason: string, usage: Usage | undefined) {
  const calls = out.calls.filter(Boolean);
  const message = {
    role: 'assistant',
    content: out.text === '' && calls.length > 0 ? null : out.text,
    refusal: null,
    ...(out.reasoning ? { reasoning_content: out.reasoning } : {}),
    ...(calls.length > 0
      ? { tool_calls: calls.map((c) => ({ id: c.id, type: 'function', function: { name: c.name, arguments: c.arguments } })) }
      : {}),
  };
  return {
    id: m.id,
    object: 'chat.completion',
    created: m.created,
    model: m.model,
    system_fingerprint: null,
    choices: [{ index: 0, message, logprobs: null, finish_reason: finishReason }],
    ...(usage ? { usage: usageToOpenAi(usage) } : {}),
  };
}
