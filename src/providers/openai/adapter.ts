// The OpenAI family's calls: OpenAI, the OpenAI-compatible presets and (via ../openrouter/)
// OpenRouter all run through createOpenAiFamilyAdapter with their dialect row (presets.ts).
// Paths are appended to the base URL, which includes the version (https://api.openai.com/v1
// → /chat/completions, /embeddings, /models).
import { drain, nextUnlessCut } from '../batches.js';
import { sseBatches, type SseMessage } from '../framing/sse.js';
import { classifyHttpError, upstreamRequest, type UpstreamResponse } from '../http.js';
import { UpstreamError } from '../errors.js';
import type { ChatCall, ChatEvent, EmbedCall, EmbedResult, ProviderAdapter, ProviderEndpoint } from '../types.js';
import { extractError, toOpenAiRequest } from './map.js';
import { OPENAI, presetDialect, type OpenAiDialect } from './presets.js';
import { OpenAiStreamDecoder } from './stream.js';
import { TextDeltaTemplate } from './text-delta-template.js';
import type { OaChunk, OaEmbeddingResponse, OaModelList } from './wire.js';

export function createOpenAiAdapter(endpoint: ProviderEndpoint): ProviderAdapter {
  return createOpenAiFamilyAdapter(endpoint, OPENAI);
}

/** kind 'openai_compatible': the preset (endpoint.preset) picks the dialect row. */
export function createOpenAiCompatibleAdapter(endpoint: ProviderEndpoint): ProviderAdapter {
  return createOpenAiFamilyAdapter(endpoint, presetDialect(endpoint.preset));
}

export function createOpenAiFamilyAdapter(endpoint: ProviderEndpoint, dialect: OpenAiDialect): ProviderAdapter {
  const ep: ProviderEndpoint = { ...endpoint, baseUrl: endpoint.baseUrl || dialect.defaultBaseUrl };
  const provider = ep.id;
  const key = ep.apiKey?.reveal();

  function headers(accept: string): Record<string, string> {
    if (!key && dialect.keyRequired) {
      throw new UpstreamError('auth', `${provider}: no API key configured`, { provider });
    }
    const h: Record<string, string> = { accept };
    if (key) h.authorization = `Bearer ${key}`;
    return h;
  }

  /** Upstream text never echoes our key back to a client or log, even if a server does. */
  function redact(s: string): string {
    return key ? s.split(key).join('[redacted]') : s;
  }

  async function failure(res: UpstreamResponse): Promise<UpstreamError> {
    let text = '';
    try {
      text = await res.text();
    } catch {
      // The status alone still classifies the failure.
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    const e = extractError(parsed, text.trim().slice(0, 500) || `HTTP ${res.status}`);
    const message = redact(e.message);
    if (e.contentFiltered) {
      const details: UpstreamError['details'] = { status: res.status, provider };
      if (e.code !== undefined) details.upstreamCode = e.code;
      return new UpstreamError('content_filtered', message, details);
    }
    return classifyHttpError(res.status, res.headers, message, provider, e.code);
  }

  /** One `data:` payload, parsed; malformed JSON is a broken stream. */
  function parseChunk(msg: SseMessage): OaChunk {
    let chunk: OaChunk;
    try {
      chunk = JSON.parse(msg.data) as OaChunk;
    } catch {
      throw new UpstreamError('stream_interrupted', `malformed JSON in stream: ${redact(msg.data.slice(0, 120))}`, {
        provider,
      });
    }
    // llama.cpp's legacy `error:` field arrives as event "error" with the bare error object.
    if (msg.event === 'error' && !chunk.error) chunk = { error: chunk as OaChunk['error'] };
    if (chunk.error?.message) chunk.error.message = redact(chunk.error.message);
    return chunk;
  }

  async function* chatBatches(call: ChatCall): AsyncGenerator<ChatEvent[]> {
    const body = toOpenAiRequest(call, dialect);
    const res = await upstreamRequest(ep, {
      method: 'POST',
      path: '/chat/completions',
      headers: headers('text/event-stream'),
      body,
      signal: call.signal,
    });
    if (res.status >= 400) throw await failure(res);
    const decoder = new OpenAiStreamDecoder(provider);
    const template = new TextDeltaTemplate();
    let unlearned: { data: string; chunk: OaChunk } | undefined;
    const batches = sseBatches(res.body);
    let sawDone = false;
    let contentSent = false;
    // The batch being built from one network read; flushed before every wait for the next.
    let out: ChatEvent[] = [];
    // A body that breaks off after finish_reason ends the loop like EOF does.
    const next = (): Promise<IteratorResult<SseMessage[]>> => nextUnlessCut(batches, () => decoder.terminal, call.signal);
    try {
      // Iterated by hand: `break` in a for-await would close the body, and after [DONE] we
      // want it read to its end instead, so the keep-alive socket goes back to the pool.
      for (let r = await next(); !r.done; r = await next()) {
        for (const msg of r.value) {
          if (msg.data.startsWith('[DONE]')) {
            sawDone = true;
            break;
          }
          // Most chunks differ from the last only in their text: those skip JSON.parse.
          // Learning from a parsed chunk waits for the next one, off the first token's path.
          if (unlearned !== undefined) {
            template.learn(unlearned.data, unlearned.chunk);
            unlearned = undefined;
          }
          const text = msg.event === 'error' ? undefined : template.match(msg.data);
          if (text !== undefined) decoder.pushText(text, out);
          else {
            const chunk = parseChunk(msg);
            decoder.push(chunk, out);
            unlearned = { data: msg.data, chunk };
          }
          if (!contentSent && out.length > 0) {
            // push() yields only content: the first goes on now, not after the rest of the read.
            contentSent = true;
            yield out;
            out = [];
          }
        }
        if (sawDone) break;
        if (out.length > 0) {
          yield out;
          out = [];
        }
      }
      out.push(...decoder.end());
      const last = out;
      out = [];
      yield last;
    } catch (err) {
      // What was decoded before the failure is the caller's (it may commit the call).
      if (out.length > 0) {
        const before = out;
        out = [];
        yield before;
      }
      throw err;
    } finally {
      if (sawDone) {
        // In the background, so the caller is never held by a server that lingers after
        // [DONE]; the idle timeout (or the caller's abort) still bounds it. Anything after
        // [DONE] is ignored, a late socket error included.
        void drain(batches);
      } else {
        await batches.return(undefined);
      }
    }
  }

  async function embed(call: EmbedCall): Promise<EmbedResult> {
    const res = await upstreamRequest(ep, {
      method: 'POST',
      path: '/embeddings',
      headers: headers('application/json'),
      body: {
        model: call.model,
        input: call.inputs,
        encoding_format: 'float',
        ...(call.dimensions ? { dimensions: call.dimensions } : {}),
      },
      signal: call.signal,
    });
    if (res.status >= 400) throw await failure(res);
    const json = (await res.json()) as OaEmbeddingResponse;
    if (!Array.isArray(json?.data) || json.data.length !== call.inputs.length) {
      throw new UpstreamError('server_error', `${provider}: expected ${call.inputs.length} embeddings`, { provider });
    }
    // The API documents `index` as the input position; do not rely on response order.
    const vectors = [...json.data].sort((a, b) => a.index - b.index).map((d) => toVector(d.embedding));
    return { vectors, usage: { inputTokens: json.usage?.prompt_tokens ?? 0 } };
  }

  async function listModels(signal: AbortSignal): Promise<string[]> {
    const res = await upstreamRequest(ep, { method: 'GET', path: '/models', headers: headers('application/json'), signal });
    if (res.status >= 400) throw await failure(res);
    const json = (await res.json()) as OaModelList;
    return Array.isArray(json?.data) ? json.data.map((m) => m.id) : [];
  }

  return { ownedOptions: dialect.owned, chatBatches, embed, listModels };
}

/** A float array, or (encoding_format base64, which some servers force) little-endian float32s. */
function toVector(e: number[] | string): number[] {
  if (Array.isArray(e)) return e;
  const buf = Buffer.from(e, 'base64');
  const out: number[] = [];
  for (let i = 0; i + 4 <= buf.length; i += 4) out.push(buf.readFloatLE(i));
  return out;
}
