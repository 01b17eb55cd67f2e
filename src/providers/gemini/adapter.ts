// Gemini API adapter (generativelanguage v1beta). The key goes in the x-goog-api-key header,
// never in the URL: URLs end up in logs and traces. Base URL default
// https://generativelanguage.googleapis.com; this adapter appends /v1beta/….
import { UpstreamError } from '../errors.js';
import { isContent, nextUnlessCut } from '../batches.js';
import { sseBatches, type SseMessage } from '../framing/sse.js';
import { Utf8StreamDecoder } from '../framing/utf8.js';
import { upstreamRequest, type UpstreamResponse } from '../http.js';
import type { ChatCall, ChatEvent, EmbedCall, EmbedResult, ProviderAdapter, ProviderEndpoint } from '../types.js';
import { toGeminiRequest } from './map.js';
import { GEMINI_OWNED } from '../options.js';
import { findStatus, GeminiStreamDecoder, httpError, statusError } from './stream.js';
import type { GeminiBatchEmbedResponse, GeminiEmbedRequest, GeminiEmbedResponse, GeminiGenerateResponse, GeminiModelList } from './wire.js';

export const GEMINI_DEFAULT_BASE_URL = 'https://generativelanguage.googleapis.com';
/** batchEmbedContents accepts at most 100 requests per call. */
export const GEMINI_EMBED_BATCH = 100;
const EMBED_CONCURRENCY = 4;

export function createGeminiAdapter(endpoint: ProviderEndpoint): ProviderAdapter {
  const ep: ProviderEndpoint = { ...endpoint, baseUrl: endpoint.baseUrl || GEMINI_DEFAULT_BASE_URL };
  const provider = ep.id;
  const headers = (): Record<string, string> => (ep.apiKey ? { 'x-goog-api-key': ep.apiKey.reveal() } : {});
  /** Upstream text never carries our key on to a client or a log, even if a server echoes it. */
  const redact = (text: string): string => {
    const key = ep.apiKey?.reveal();
    return key ? text.split(key).join('[redacted]') : text;
  };

  async function post(path: string, body: unknown, signal: AbortSignal, query?: Record<string, string>): Promise<UpstreamResponse> {
    const res = await upstreamRequest(ep, { method: 'POST', path, body, headers: headers(), signal, ...(query ? { query } : {}) });
    if (res.status !== 200) throw httpError(res.status, res.headers, redact(await res.text()), provider);
    return res;
  }

  async function* chatBatches(call: ChatCall): AsyncGenerator<ChatEvent[]> {
    const body = toGeminiRequest(call);
    const res = await post(`${modelPath(call.model)}:streamGenerateContent`, body, call.signal, { alt: 'sse' });
    const decoder = new GeminiStreamDecoder(provider);
    const tail = new TailKeeper(res.body);
    let contentSent = false;
    // The batch being built from one network read; flushed before every wait.
    let out: ChatEvent[] = [];
    const batches = sseBatches(tail.body());
    // Gemini has no closing marker: a body that breaks off after the chunk with the
    // finishReason has lost nothing, so it ends the loop like EOF does.
    const next = (): Promise<IteratorResult<SseMessage[]>> => nextUnlessCut(batches, () => decoder.terminal, call.signal);
    try {
      for (let r = await next(); !r.done; r = await next()) {
        for (const msg of r.value) {
          let chunk: GeminiGenerateResponse;
          try {
            chunk = JSON.parse(msg.data) as GeminiGenerateResponse;
          } catch {
            throw new UpstreamError('stream_interrupted', `Gemini sent a malformed stream event: ${redact(msg.data.slice(0, 120))}`, {
              provider,
            });
          }
          if (chunk.error?.message) chunk.error.message = redact(chunk.error.message);
          const events = decoder.push(chunk);
          for (const e of events) out.push(e);
          if (!contentSent && events.some(isContent)) {
            // The first content goes on now, not after the rest of the read is decoded.
            contentSent = true;
            const first = out;
            out = [];
            yield first;
          }
        }
        if (out.length > 0) {
          const read = out;
          out = [];
          yield read;
        }
      }
      // Gemini may write a mid-stream error as a bare Status JSON, without `data:`; an SSE parser
      // drops it, so look for it in what arrived after the last event before calling it a truncation.
      const st = findStatus(redact(tail.afterLastEvent().trim()));
      if (st) throw statusError(st, st.code ?? 500, {}, provider);
      yield decoder.end();
    } catch (err) {
      // What was decoded before the failure is the caller's (it may commit the call).
      if (out.length > 0) {
        const before = out;
        out = [];
        yield before;
      }
      throw err;
    } finally {
      await batches.return(undefined);
    }
  }

  async function embedOne(model: string, inputs: string[], dimensions: number | undefined, signal: AbortSignal): Promise<number[][]> {
    const req = (text: string): GeminiEmbedRequest => ({
      model: `models/${bareModel(model)}`,
      content: { parts: [{ text }] },
      ...(dimensions ? { outputDimensionality: dimensions } : {}),
    });
    if (inputs.length === 1) {
      const res = (await (await post(`${modelPath(model)}:embedContent`, req(inputs[0]!), signal)).json()) as GeminiEmbedResponse;
      return [vector(res.embedding?.values, provider)];
    }
    const res = (await (
      await post(`${modelPath(model)}:batchEmbedContents`, { requests: inputs.map(req) }, signal)
    ).json()) as GeminiBatchEmbedResponse;
    const vectors = (res.embeddings ?? []).map((e) => vector(e.values, provider));
    if (vectors.length !== inputs.length) {
      throw new UpstreamError('server_error', `Gemini returned ${vectors.length} embeddings for ${inputs.length} inputs`, { provider });
    }
    return vectors;
  }

  async function embed(call: EmbedCall): Promise<EmbedResult> {
    const batches: string[][] = [];
    for (let i = 0; i < call.inputs.length; i += GEMINI_EMBED_BATCH) batches.push(call.inputs.slice(i, i + GEMINI_EMBED_BATCH));
    const results: number[][][] = new Array(batches.length);
    // A few batches in flight at once: fast for large inputs without tripping the per-minute quota.
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < batches.length) {
        const i = next++;
        results[i] = await embedOne(call.model, batches[i]!, call.dimensions, call.signal);
      }
    };
    await Promise.all(Array.from({ length: Math.min(EMBED_CONCURRENCY, batches.length) }, worker));
    // The embedding endpoints report no token usage.
    return { vectors: results.flat(), usage: { inputTokens: 0 } };
  }

  async function listModels(signal: AbortSignal): Promise<string[]> {
    const names: string[] = [];
    let pageToken: string | undefined;
    do {
      const query: Record<string, string> = { pageSize: '1000', ...(pageToken ? { pageToken } : {}) };
      const res = await upstreamRequest(ep, { method: 'GET', path: '/v1beta/models', query, headers: headers(), signal });
      if (res.status !== 200) throw httpError(res.status, res.headers, redact(await res.text()), provider);
      const page = (await res.json()) as GeminiModelList;
      for (const m of page.models ?? []) if (m.name) names.push(bareModel(m.name));
      pageToken = page.nextPageToken || undefined;
    } while (pageToken);
    return names;
  }

  return { ownedOptions: GEMINI_OWNED, chatBatches, embed, listModels };
}

/** "gemini-2.0-flash" or "models/gemini-2.0-flash" → "gemini-2.0-flash". */
function bareModel(model: string): string {
  return model.replace(/^models\//, '');
}

/** Tuned models live under tunedModels/…; everything else under models/…. */
function modelPath(model: string): string {
  const full = model.includes('/') ? model : `models/${model}`;
  return `/v1beta/${full.split('/').map(encodeURIComponent).join('/')}`;
}

function vector(values: number[] | undefined, provider: string): number[] {
  if (!Array.isArray(values)) throw new UpstreamError('server_error', 'Gemini returned an embedding without values', { provider });
  return values;
}

/** Passes body chunks through while remembering the text after the last SSE event separator. */
class TailKeeper {
  private tail = '';
  private readonly decoder = new Utf8StreamDecoder();
  constructor(private readonly source: AsyncIterable<Uint8Array>) {}

  async *body(): AsyncGenerator<Uint8Array> {
    for await (const chunk of this.source) {
      this.tail += this.decoder.write(chunk);
      // The three separators the official SDK accepts: LF LF, CR CR, CRLF CRLF.
      const cut = Math.max(
        ...(['\n\n', '\r\r', '\r\n\r\n'] as const).map((sep) => {
          const i = this.tail.lastIndexOf(sep);
          return i === -1 ? -1 : i + sep.length;
        }),
      );
      if (cut > 0) this.tail = this.tail.slice(cut);
      // Bounded: a status body is small; anything huge without a separator is not one.
      if (this.tail.length > 65_536) this.tail = this.tail.slice(-65_536);
      yield chunk;
    }
    this.tail += this.decoder.end();
  }

  afterLastEvent(): string {
    return this.tail;
  }
}
