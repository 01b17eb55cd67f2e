// The Anthropic-compatible API on the HTTP port: POST /v1/messages and
// POST /v1/messages/count_tokens (Claude Code and other Anthropic clients through
// ANTHROPIC_BASE_URL). It claims only /v1/messages and below; every other /v1/ path is the
// OpenAI-compatible API's (../http-apis.ts tries this one first). Each handler only
// authenticates, converts and calls the same use cases as gRPC.
import { countChatInputTokens } from '../../calls/count-tokens.js';
import { authenticate, contextFromHeaders, readJson, sendError, sendJson, type ApiDeps } from '../http-api/http.js';
import type { NodeRequest, NodeResponse } from '../http-server.js';
import { anthropicErrorOf, errorBody } from './errors.js';
import { handleMessages } from './messages.js';
import { chatFromAnthropic } from './messages-convert.js';

/** Returns true when the request is this API's (handled, asynchronously), false to pass it on. */
export function anthropicRoutes(api: ApiDeps): (req: NodeRequest, res: NodeResponse, shutdown: AbortSignal) => boolean {
  return (req, res, shutdown) => {
    const url = req.url ?? '/';
    const path = url.includes('?') ? url.slice(0, url.indexOf('?')) : url;
    if (path !== '/v1/messages' && !path.startsWith('/v1/messages/')) return false;
    const method = req.method ?? 'GET';
    const run = (fn: () => Promise<void>): boolean => {
      if (method !== 'POST') {
        sendJson(res, 405, errorBody(405, `${method} is not allowed on ${path} (use POST)`, 'METHOD_NOT_ALLOWED'), { allow: 'POST' });
        return true;
      }
      fn().catch((err: unknown) => sendError(res, anthropicErrorOf(err, api.log)));
      return true;
    };
    if (path === '/v1/messages') return run(async () => handleMessages(req, res, await authenticate(req, api.auth), api, shutdown));
    if (path === '/v1/messages/count_tokens') {
      return run(async () => {
        const caller = await authenticate(req, api.auth);
        const body = await readJson(req, api.maxBodyBytes);
        const headers = contextFromHeaders(req.headers);
        const routes = { rules: api.calls.snapshot().routes, tenant: caller.tenant, ...headers.context };
        const chat = chatFromAnthropic(body, api.maxMessageBytes, headers, routes, true);
        sendJson(res, 200, { input_tokens: countChatInputTokens(chat.intent, caller, api.calls).inputTokens });
      });
    }
    sendJson(res, 404, errorBody(404, `no route ${method} ${path} (this API serves /v1/messages, /v1/messages/count_tokens)`, 'NOT_FOUND'));
    return true;
  };
}
