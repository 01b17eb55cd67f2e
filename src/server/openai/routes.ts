// The OpenAI-compatible API on the HTTP port: /v1/chat/completions, /v1/embeddings, /v1/models
// and /v1/models/{id}. Mounted through the HTTP server's `extraRoutes` hook, next to the
// Connect routes (which all live under /switchyard.v1.*). Each handler only authenticates,
// converts and calls the same use case as gRPC, so routing, budgets and the ledger are the same.
import type { NodeRequest, NodeResponse } from '../http-server.js';
import { handleChat, renameChatField } from './chat.js';
import { handleEmbeddings } from './embeddings.js';
import { errorBody, httpErrorOf } from './errors.js';
import { authenticate, sendError, sendJson, type OpenAiApiDeps } from './http.js';
import { modelList, modelOne } from './models.js';

export type { OpenAiApiDeps } from './http.js';

/** Returns true when the request is this API's (handled, asynchronously), false to pass it on. */
export function openAiRoutes(api: OpenAiApiDeps): (req: NodeRequest, res: NodeResponse, shutdown: AbortSignal) => boolean {
  return (req, res, shutdown) => {
    const url = req.url ?? '/';
    const path = url.includes('?') ? url.slice(0, url.indexOf('?')) : url;
    if (!path.startsWith('/v1/')) return false;
    const method = req.method ?? 'GET';
    const run = (allowed: string, fn: () => Promise<void>): boolean => {
      if (method !== allowed) {
        sendJson(res, 405, errorBody(405, `${method} is not allowed on ${path} (use ${allowed})`, 'METHOD_NOT_ALLOWED'), {
          allow: allowed,
        });
        return true;
      }
      fn().catch((err: unknown) => sendError(res, httpErrorOf(err, api.log, renameChatField)));
      return true;
    };
    const caller = () => authenticate(req, api.auth);
    if (path === '/v1/chat/completions') return run('POST', async () => handleChat(req, res, await caller(), api, shutdown));
    if (path === '/v1/embeddings') return run('POST', async () => handleEmbeddings(req, res, await caller(), api));
    if (path === '/v1/models') {
      return run('GET', async () => {
        await caller();
        sendJson(res, 200, modelList(api.calls));
      });
    }
    if (path.startsWith('/v1/models/') && path.length > '/v1/models/'.length) {
      return run('GET', async () => {
        await caller();
        sendJson(res, 200, modelOne(path.slice('/v1/models/'.length), api.calls));
      });
    }
    sendJson(
      res,
      404,
      errorBody(404, `no route ${method} ${path} (this server serves /v1/chat/completions, /v1/embeddings, /v1/models)`, 'NOT_FOUND'),
    );
    return true;
  };
}
