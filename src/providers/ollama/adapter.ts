// Ollama native API adapter (/api/chat NDJSON, /api/embed, /api/tags, /api/show). No auth;
// default base http://localhost:11434. Not the /v1 OpenAI surface: the native one reports
// thinking, usage on every stream and done_reason without options.
import { UpstreamError } from '../errors.js';
import { drain, isContent } from '../batches.js';
import { ndjsonBatches } from '../framing/ndjson.js';
import { upstreamRequest, type UpstreamResponse } from '../http.js';
import { OLLAMA_OWNED } from '../options.js';
import type { ChatCall, ChatEvent, EmbedCall, EmbedResult, ProviderAdapter, ProviderEndpoint } from '../types.js';
import { ollamaHttpError, OllamaStreamDecoder, toModelInfo, toOllamaRequest, type OllamaModelInfo } from './map.js';
import type { OllamaEmbedResponse, OllamaShowResponse, OllamaTags } from './wire.js';

export const OLLAMA_DEFAULT_BASE_URL = 'http://localhost:11434';

export interface OllamaAdapter extends ProviderAdapter {
  /** Capabilities and context length of a local model (POST /api/show). */
  showModel(name: string, signal?: AbortSignal): Promise<OllamaModelInfo>;
}

export function createOllamaAdapter(endpoint: ProviderEndpoint): OllamaAdapter {
  const ep: ProviderEndpoint = { ...endpoint, baseUrl: endpoint.baseUrl || OLLAMA_DEFAULT_BASE_URL };
  const provider = ep.id;
  // Ollama has no auth, but a proxy in front of it may: send a key if one is configured.
  const headers = (): Record<string, string> => (ep.apiKey ? { authorization: `Bearer ${ep.apiKey.reveal()}` } : {});

  async function request(
    method: 'GET' | 'POST',
    path: string,
    body: unknown,
    signal: AbortSignal,
    model?: string,
  ): Promise<UpstreamResponse> {
    const res = await upstreamRequest(ep, { method, path, headers: headers(), signal, ...(body !== undefined ? { body } : {}) });
    if (res.status !== 200) throw ollamaHttpError(res.status, res.headers, await res.text(), provider, model);
    return res;
  }

  async function* chatBatches(call: ChatCall): AsyncGenerator<ChatEvent[]> {
    const res = await request('POST', '/api/chat', toOllamaRequest(call), call.signal, call.model);
    const decoder = new OllamaStreamDecoder(provider);
    const batches = ndjsonBatches(res.body);
    let contentSent = false;
    // The batch being built from one network read; flushed before every wait for the next.
    let out: ChatEvent[] = [];
    try {
      // Iterated by hand: after the done line we read the body to its end (see finally) rather
      // than let a `break` in a for-await close it.
      for (let r = await batches.next(); !r.done; r = await batches.next()) {
        for (const value of r.value) {
          // A line's events are its content, then (on the done line) usage and finish.
          const events = decoder.push(value);
          let i = 0;
          for (; i < events.length && isContent(events[i]!); i++) out.push(events[i]!);
          if (!contentSent && i > 0) {
            // The first content goes on now, not after the rest of the read is decoded.
            contentSent = true;
            const first = out;
            out = [];
            yield first;
          }
          for (; i < events.length; i++) out.push(events[i]!);
          // The done line is the last one; anything after it is not part of the answer.
          if (decoder.done) break;
        }
        if (out.length > 0) {
          const read = out;
          out = [];
          yield read;
        }
        if (decoder.done) return;
      }
    } catch (err) {
      // What was decoded before the failure is the caller's (it may commit the call).
      if (out.length > 0) {
        const before = out;
        out = [];
        yield before;
      }
      throw err;
    } finally {
      // The end of the body follows the done line at once: reading it lets the keep-alive
      // connection go back to the pool instead of being destroyed. In the background, so a
      // caller that stops at finish is not held; the idle timeout still bounds it.
      if (decoder.done) void drain(batches);
      else await batches.return(undefined);
    }
    throw new UpstreamError('stream_interrupted', 'Ollama stream ended before its done line', { provider });
  }

  async function embed(call: EmbedCall): Promise<EmbedResult> {
    const body = { model: call.model, input: call.inputs, ...(call.dimensions ? { dimensions: call.dimensions } : {}) };
    const res = (await (await request('POST', '/api/embed', body, call.signal, call.model)).json()) as OllamaEmbedResponse;
    const vectors = res.embeddings ?? [];
    if (vectors.length !== call.inputs.length) {
      throw new UpstreamError('server_error', `Ollama returned ${vectors.length} embeddings for ${call.inputs.length} inputs`, {
        provider,
      });
    }
    return { vectors, usage: { inputTokens: res.prompt_eval_count ?? 0 } };
  }

  async function listModels(signal: AbortSignal): Promise<string[]> {
    const tags = (await (await request('GET', '/api/tags', undefined, signal)).json()) as OllamaTags;
    return (tags.models ?? []).map((m) => m.name ?? m.model ?? '').filter((n) => n !== '');
  }

  async function showModel(name: string, signal: AbortSignal = AbortSignal.timeout(ep.timeouts.firstByteMs)): Promise<OllamaModelInfo> {
    const show = (await (await request('POST', '/api/show', { model: name }, signal, name)).json()) as OllamaShowResponse;
    return toModelInfo(name, show);
  }

  return { ownedOptions: OLLAMA_OWNED, chatBatches, embed, listModels, showModel };
}
