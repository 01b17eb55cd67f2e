// The HTTP APIs beside the Connect routes, as one `extraRoutes` dispatcher: the Anthropic-
// compatible API claims /v1/messages and below, the OpenAI-compatible API the rest of /v1/.
// Both share ./http-api/ (caller, body, headers, errors) and the same use cases as gRPC.
import { anthropicRoutes } from './anthropic/routes.js';
import type { ApiDeps } from './http-api/http.js';
import type { NodeRequest, NodeResponse } from './http-server.js';
import { openAiRoutes } from './openai/routes.js';

export type { ApiDeps } from './http-api/http.js';

export function httpApiRoutes(api: ApiDeps): (req: NodeRequest, res: NodeResponse, shutdown: AbortSignal) => boolean {
  const anthropic = anthropicRoutes(api);
  const openAi = openAiRoutes(api);
  return (req, res, shutdown) => anthropic(req, res, shutdown) || openAi(req, res, shutdown);
}
