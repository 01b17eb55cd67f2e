// The adapter factory: one ProviderEndpoint → its ProviderAdapter. The OpenAI family is imported
// eagerly (it is the common case and shares the HTTP/SSE code everything loads anyway); the
// other providers are imported on first use so a process that never calls them never loads them.
import { createDemoAdapter } from './demo/adapter.js';
import { UpstreamError } from './errors.js';
import { createOpenAiAdapter, createOpenAiCompatibleAdapter } from './openai/adapter.js';
import { createOpenRouterAdapter } from './openrouter/adapter.js';
import { ANTHROPIC_OWNED, GEMINI_OWNED, OLLAMA_OWNED, OPENAI_OWNED } from './options.js';
import type { ChatCall, ChatEvent, EmbedCall, OwnedPaths, ProviderAdapter, ProviderEndpoint } from './types.js';

type Factory = (endpoint: ProviderEndpoint) => ProviderAdapter;

export function createAdapter(endpoint: ProviderEndpoint): ProviderAdapter {
  switch (endpoint.kind) {
    case 'openai':
      return createOpenAiAdapter(endpoint);
    case 'openai_compatible':
      return createOpenAiCompatibleAdapter(endpoint);
    case 'openrouter':
      return createOpenRouterAdapter(endpoint);
    case 'anthropic':
      return lazy(endpoint, ANTHROPIC_OWNED, async () => (await import('./anthropic/adapter.js')).createAnthropicAdapter);
    case 'gemini':
      return lazy(endpoint, GEMINI_OWNED, async () => (await import('./gemini/adapter.js')).createGeminiAdapter);
    case 'ollama':
      return lazy(endpoint, OLLAMA_OWNED, async () => (await import('./ollama/adapter.js')).createOllamaAdapter);
    case 'huggingface':
      return lazy(endpoint, OPENAI_OWNED, async () => (await import('./huggingface/adapter.js')).createHuggingFaceAdapter);
    case 'demo':
      // Eager: it is small, has no dependencies, and is what a first run without keys uses.
      return createDemoAdapter(endpoint);
    default: {
      const kind: never = endpoint.kind;
      throw new UpstreamError('bad_request', `unknown provider kind ${String(kind)}`);
    }
  }
}

/** An adapter that loads its implementation on first use (once, shared by all calls). */
function lazy(endpoint: ProviderEndpoint, ownedOptions: OwnedPaths, load: () => Promise<Factory>): ProviderAdapter {
  let adapter: Promise<ProviderAdapter> | undefined;
  // The loaded adapter, once there is one: calls then go to it directly.
  let loaded: ProviderAdapter | undefined;
  const get = (): Promise<ProviderAdapter> => {
    adapter ??= load().then((f) => (loaded = f(endpoint)));
    // A failed load is not cached: the next call tries again.
    adapter.catch(() => (adapter = undefined));
    return adapter;
  };
  async function* loadThenStream(call: ChatCall): AsyncGenerator<ChatEvent[]> {
    yield* (await get()).chatBatches(call);
  }
  return {
    ownedOptions,
    // Once loaded, the adapter's own stream is returned as is: wrapping it in a generator
    // would add an async hop per batch to every call, for the sake of the first one.
    chatBatches: (call: ChatCall): AsyncIterable<ChatEvent[]> => (loaded ? loaded.chatBatches(call) : loadThenStream(call)),
    async embed(call: EmbedCall) {
      return (await get()).embed(call);
    },
    async listModels(signal: AbortSignal) {
      return (await get()).listModels(signal);
    },
  };
}
