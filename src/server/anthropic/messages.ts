// POST /v1/messages: converts the body, calls the Chat use case and answers as Anthropic does,
// one `message` or its event stream. The message id is `msg_<decisionId>`, `model` the routed
// model id, and `x-switchyard-decision-id` names the decision (GetDecision) on every answer
// that has one.
import type { Caller } from '../../calls/caller.js';
import { runChat, type ChatCallEvent } from '../../calls/chat.js';
import type { Usage } from '../../providers/types.js';
import { callSignal } from '../http-api/abort.js';
import { contextFromHeaders, DECISION_HEADER, readJson, refusedDecisionId, sendError, sendJson, type ApiDeps } from '../http-api/http.js';
import type { NodeRequest, NodeResponse } from '../http-server.js';
import { abortedByShutdown, SHUTTING_DOWN_MESSAGE, SHUTTING_DOWN_REASON } from '../shutdown.js';
import { anthropicErrorOf, errorBody, finishErrorOf, type AnthropicHttpError } from './errors.js';
import { chatFromAnthropic } from './messages-convert.js';
import { MessagesSse, stopReasonOf, usageToAnthropic, type MessageMeta } from './sse.js';

export async function handleMessages(req: NodeRequest, res: NodeResponse, caller: Caller, api: ApiDeps, shutdown: AbortSignal) {
  const body = await readJson(req, api.maxBodyBytes);
  const headers = contextFromHeaders(req.headers);
  const routes = { rules: api.calls.snapshot().routes, tenant: caller.tenant, ...headers.context };
  const chat = chatFromAnthropic(body, api.maxMessageBytes, headers, routes);
  const call = callSignal(res, shutdown);
  try {
    const events = runChat(chat.intent, caller, api.calls, { signal: call.signal });
    await (chat.stream ? streamMessage(events, res, call.signal, api) : answerMessage(events, res, call.signal, api));
  } finally {
    call.dispose();
  }
}

const SHUTDOWN_ERROR: AnthropicHttpError = { status: 503, body: errorBody(503, SHUTTING_DOWN_MESSAGE, SHUTTING_DOWN_REASON) };

/** How a `finish` that is not a clean end is told; undefined when nobody is left to tell. */
function failureOf(e: Extract<ChatCallEvent, { type: 'finish' }>, signal: AbortSignal): AnthropicHttpError | undefined {
  if (e.reason === 'cancelled') return abortedByShutdown(signal) ? SHUTDOWN_ERROR : undefined;
  return finishErrorOf(e.error ?? { kind: 'server_error', message: 'the call ended with an error' });
}

function onRoute(m: MessageMeta, e: Extract<ChatCallEvent, { type: 'route' }>): void {
  m.decisionId = e.decisionId;
  m.id = `msg_${e.decisionId}`;
  m.model = e.model;
}

async function streamMessage(events: AsyncGenerator<ChatCallEvent>, res: NodeResponse, signal: AbortSignal, api: ApiDeps) {
  const m: MessageMeta = { id: '', model: '', decisionId: '' };
  const sse = new MessagesSse(res, m);
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
        } else await sse.finish(e.reason, usage);
      }
    }
  } catch (err) {
    m.decisionId ||= refusedDecisionId(err);
    await sse.fail(anthropicErrorOf(err, api.log));
  } finally {
    if (!res.writableEnded) res.end();
  }
}

type Block =
  | { type: 'text'; text: string }
  | { type: 'thinking'; thinking: string; signature: string }
  | { type: 'tool_use'; id: string; name: string; input: unknown; json: string };

/** The blocks in the order they arrived; consecutive text (or thinking) is one block. */
function collect(blocks: Block[], calls: Map<number, Block>, e: Extract<ChatCallEvent, { type: 'delta' | 'tool_call' }>): void {
  const last = blocks.at(-1);
  if (e.type === 'tool_call') {
    let b = calls.get(e.index);
    if (!b) {
      b = { type: 'tool_use', id: '', name: '', input: {}, json: '' };
      calls.set(e.index, b);
      blocks.push(b);
    }
    if (b.type !== 'tool_use') return;
    if (e.id !== undefined) b.id = e.id;
    if (e.name !== undefined) b.name += e.name;
    b.json += e.argumentsDelta;
    return;
  }
  if (e.reasoning) {
    if (last?.type === 'thinking') last.thinking += e.reasoning;
    else blocks.push({ type: 'thinking', thinking: e.reasoning, signature: '' });
  }
  if (e.text !== '') {
    const tail = blocks.at(-1);
    if (tail?.type === 'text') tail.text += e.text;
    else blocks.push({ type: 'text', text: e.text });
  }
}

function contentOf(blocks: Block[]) {
  return blocks.map((b) => {
    if (b.type !== 'tool_use') return b;
    let input: unknown = {};
    try {
      input = b.json === '' ? {} : JSON.parse(b.json);
    } catch {
      // Anthropic's `input` is an object; arguments that are not JSON cannot be one.
      input = {};
    }
    return { type: 'tool_use', id: b.id, name: b.name, input };
  });
}

async function answerMessage(events: AsyncGenerator<ChatCallEvent>, res: NodeResponse, signal: AbortSignal, api: ApiDeps) {
  const m: MessageMeta = { id: '', model: '', decisionId: '' };
  const blocks: Block[] = [];
  const calls = new Map<number, Block>();
  let usage: Usage | undefined;
  const decision = () => ({ [DECISION_HEADER]: m.decisionId || undefined });
  try {
    for await (const e of events) {
      if (e.type === 'route') onRoute(m, e);
      else if (e.type === 'delta' || e.type === 'tool_call') collect(blocks, calls, e);
      else if (e.type === 'usage') usage = e.usage;
      else if (e.type === 'finish') {
        if (e.reason === 'error' || e.reason === 'cancelled') {
          const failure = failureOf(e, signal);
          if (failure) sendError(res, failure, decision());
          else res.end();
          continue;
        }
        const message = {
          id: m.id,
          type: 'message',
          role: 'assistant',
          model: m.model,
          content: contentOf(blocks),
          stop_reason: stopReasonOf(e.reason),
          stop_sequence: null,
          usage: usageToAnthropic(usage),
        };
        sendJson(res, 200, message, decision());
      }
    }
  } catch (err) {
    m.decisionId ||= refusedDecisionId(err);
    sendError(res, anthropicErrorOf(err, api.log), decision());
  } finally {
    if (!res.writableEnded) res.end();
  }
}
