// Hugging Face wire types: text-embeddings-inference (TEI) native routes and the same shape on
// the Inference Providers router's feature-extraction pipeline. Chat uses the OpenAI wire
// (../openai/wire.ts). See shared/provider-wire.md §6.

/** POST /embed (TEI) or /hf-inference/models/{model}/pipeline/feature-extraction (router). */
export interface TeiEmbedRequest {
  inputs: string[];
  normalize?: boolean;
  truncate?: boolean;
  /** Newer TEI builds (Matryoshka models). */
  dimensions?: number;
}

/** Always one vector per input. */
export type TeiEmbedResponse = number[][];

/** TEI native error body; `error_type` is PascalCase (Validation, Tokenizer, Backend, Overloaded, Unhealthy). */
export interface TeiError {
  error?: string;
  error_type?: string;
}

/** GET /info (abridged). */
export interface TeiInfo {
  model_id?: string;
  max_client_batch_size?: number;
  max_input_length?: number;
}
