// OpenRouter is an OpenAI superset (provider-wire.md §5): the OpenAI family adapter with the
// OpenRouter dialect: usage always on (with `cost`), `: OPENROUTER PROCESSING` keep-alive
// comments (dropped by the SSE decoder), in-stream `error` chunks, `reasoning: {effort}`.
// Provider preferences (`provider: {order, allow_fallbacks…}`) pass through
// ChatCall.providerOptions; `models`, `route`, `plugins` and `transforms` would change the model
// or the bill and are refused (../options.ts).
import { createOpenAiFamilyAdapter } from '../openai/adapter.js';
import { OPENROUTER } from '../openai/presets.js';
import type { ProviderAdapter, ProviderEndpoint } from '../types.js';

export function createOpenRouterAdapter(endpoint: ProviderEndpoint): ProviderAdapter {
  return createOpenAiFamilyAdapter(endpoint, OPENROUTER);
}
