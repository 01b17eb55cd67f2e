// The demo provider's models: what `switchyard serve --demo` adds to the catalog (through the
// config override mechanism, src/app/demo.ts) and what the adapter answers for. Prices are zero
// and the endpoint is local (no network), so zero reads as "free", never as "unknown price".

export const DEMO_PROVIDER_ID = 'demo';

export interface DemoModel {
  /** The upstream model name; the catalog id is `demo/<name>`. */
  name: string;
  kind: 'chat' | 'embedding';
  displayName: string;
  contextWindow: number;
  maxOutputTokens: number;
  capabilities: Array<'streaming' | 'tools' | 'parallel_tools' | 'json_output' | 'system_messages' | 'embeddings' | 'embedding_dimensions'>;
  embeddingDimensions?: number;
}

/** Vector length of demo/embed when the call does not ask for one. */
export const DEMO_EMBED_DIMENSIONS = 64;

export const DEMO_MODELS: readonly DemoModel[] = [
  {
    name: 'echo',
    kind: 'chat',
    displayName: 'Demo echo (replies with the last user message)',
    contextWindow: 128_000,
    maxOutputTokens: 4_096,
    capabilities: ['streaming', 'system_messages', 'json_output'],
  },
  {
    name: 'tools',
    kind: 'chat',
    displayName: 'Demo tools (calls the first tool it is given)',
    contextWindow: 128_000,
    maxOutputTokens: 4_096,
    capabilities: ['streaming', 'system_messages', 'tools', 'parallel_tools'],
  },
  {
    name: 'embed',
    kind: 'embedding',
    displayName: 'Demo embeddings (hashed, deterministic)',
    contextWindow: 8_192,
    maxOutputTokens: 0,
    capabilities: ['embeddings', 'embedding_dimensions'],
    embeddingDimensions: DEMO_EMBED_DIMENSIONS,
  },
];
