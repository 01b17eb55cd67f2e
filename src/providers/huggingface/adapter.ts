// Hugging Face adapter. Base URL default https://router.huggingface.co (the Inference Providers
// router); it may instead point at a self-hosted TEI or TGI server.
//   chat:       {base}/v1/chat/completions — OpenAI wire, through the OpenAI family adapter.
//   embed:      TEI POST {base}/embed, or on the router the feature-extraction pipeline.
//   listModels: router GET /v1/models; a TEI server's GET /info (its one model).
import { UpstreamError } from '../errors.js';
import { upstreamRequest } from '../http.js';
import { createOpenAiFamilyAdapter } from '../openai/adapter.js';
import type { EmbedCall, EmbedResult, ProviderAdapter, ProviderEndpoint } from '../types.js';
import { embedPath, HF_ROUTER_BASE_URL, HF_ROUTER_DIALECT, isRouter, TEI_BATCH, teiHttpError } from './map.js';
import type { TeiEmbedRequest, TeiEmbedResponse, TeiInfo } from './wire.js';

const EMBED_CONCURRENCY = 4;

export function createHuggingFaceAdapter(endpoint: ProviderEndpoint): ProviderAdapter {
  const base = (endpoint.baseUrl || HF_ROUTER_BASE_URL).replace(/\/+$/, '');
  const ep: ProviderEndpoint = { ...endpoint, baseUrl: base };
  const provider = ep.id;
  const openAi = createOpenAiFamilyAdapter({ ...ep, baseUrl: `${base}/v1` }, HF_ROUTER_DIALECT);
  const headers = (): Record<string, string> => (ep.apiKey ? { authorization: `Bearer ${ep.apiKey.reveal()}` } : {});

  async function embedBatch(call: EmbedCall, inputs: string[]): Promise<number[][]> {
    const body: TeiEmbedRequest = { inputs, ...(call.dimensions ? { dimensions: call.dimensions } : {}) };
    const res = await upstreamRequest(ep, {
      method: 'POST',
      path: embedPath(base, call.model),
      headers: headers(),
      body,
      signal: call.signal,
    });
    if (res.status !== 200) throw teiHttpError(res.status, res.headers, await res.text(), provider);
    const vectors = (await res.json()) as TeiEmbedResponse;
    if (!Array.isArray(vectors) || vectors.length !== inputs.length || !vectors.every(Array.isArray)) {
      throw new UpstreamError('server_error', `${provider}: expected ${inputs.length} embeddings`, { provider });
    }
    return vectors;
  }

  async function embed(call: EmbedCall): Promise<EmbedResult> {
    const batches: string[][] = [];
    for (let i = 0; i < call.inputs.length; i += TEI_BATCH) batches.push(call.inputs.slice(i, i + TEI_BATCH));
    const results: number[][][] = new Array(batches.length);
    let next = 0;
    // A few batches in flight: TEI batches dynamically on its side, so parallel calls help.
    const worker = async (): Promise<void> => {
      while (next < batches.length) {
        const i = next++;
        results[i] = await embedBatch(call, batches[i]!);
      }
    };
    await Promise.all(Array.from({ length: Math.min(EMBED_CONCURRENCY, batches.length) }, worker));
    // TEI reports no token counts.
    return { vectors: results.flat(), usage: { inputTokens: 0 } };
  }

  async function listModels(signal: AbortSignal): Promise<string[]> {
    if (isRouter(base)) return openAi.listModels(signal);
    const res = await upstreamRequest(ep, { method: 'GET', path: '/info', headers: headers(), signal });
    if (res.status !== 200) throw teiHttpError(res.status, res.headers, await res.text(), provider);
    const info = (await res.json()) as TeiInfo;
    return info.model_id ? [info.model_id] : [];
  }

  return { ownedOptions: openAi.ownedOptions, chatBatches: (call) => openAi.chatBatches(call), embed, listModels };
}
