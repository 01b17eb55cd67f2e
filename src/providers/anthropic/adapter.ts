// Anthropic adapter: POST {baseUrl}/v1/messages (stream: true) and GET {baseUrl}/v1/models.
// Default base URL https://api.anthropic.com; a base URL with a path prefix keeps it
// (http.ts appends). Auth is `x-api-key`; `anthropic-version` is pinned to 2023-06-01.
import { UpstreamError } from '../errors.js';
import { isContent, nextUnlessCut } from '../batches.js';
import { sseBatches, type SseMessage } from '../framing/sse.js';
import { classifyHttpError, upstreamRequest, type UpstreamResponse } from '../http.js';
import type { ChatCall, ChatEvent, EmbedCall, EmbedResult, ProviderAdapter, ProviderEndpoint } from '../types.js';
import { AnthropicStreamDecoder, errorKind } from './stream.js';
import { toMessagesRequest } from './map.js';
import { ANTHROPIC_OWNED } from '../options.js';
import { ANTHROPIC_VERSION, DEFAULT_BASE_URL, type ModelsPage } from './wire.js';

export function createAnthropicAdapter(endpoint: ProviderEndpoint): ProviderAdapter {
  const ep: ProviderEndpoint = { ...endpoint, baseUrl: endpoint.baseUrl || DEFAULT_BASE_URL };
  const provider = ep.id;

  function headers(): Record<string, string> {
    const h: Record<string, string> = { 'anthropic-version': ANTHROPIC_VERSION, accept: 'application/json' };
    // The key is revealed only here, into the request header; never into messages or logs.
    if (ep.apiKey) h['x-api-key'] = ep.apiKey.reveal();
    return h;
  }

  async function* chatBatches(call: ChatCall): AsyncGenerator<ChatEvent[]> {
    const { body, jsonToolName } = toMessagesRequest(call, provider);
    // Our own abort besides the caller's: it bounds the drain after message_stop.
    const local = new AbortController();
    const res = await upstreamRequest(ep, {
      method: 'POST',
      path: '/v1/messages',
      headers: { ...headers(), accept: 'text/event-stream', 'content-type': 'application/json' },
      body,
      signal: AbortSignal.any([call.signal, local.signal]),
    });
    if (res.status < 200 || res.status >= 300) throw await httpError(res, provider);
    const decoder = new AnthropicStreamDecoder(provider, jsonToolName);
    const batches = sseBatches(res.body);
    let contentSent = false;
    // The batch being built from one network read; flushed before every wait.
    let out: ChatEvent[] = [];
    // A body that breaks off after the stop reason arrived ends the loop like EOF does.
    const next = (): Promise<IteratorResult<SseMessage[]>> => nextUnlessCut(batches, () => decoder.terminal, call.signal);
    try {
      for (let r = await next(); !r.done; r = await next()) {
        for (const msg of r.value) {
          const events = decoder.push(msg);
          if (decoder.done) {
            if (out.length > 0) {
              const before = out;
              out = [];
              yield before;
            }
            // Read the body to its end before handing over finish: a caller that stops at
            // finish would otherwise destroy the socket instead of returning it to the pool.
            await drain(batches, local);
            call.signal.throwIfAborted();
            yield events;
            return;
          }
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
      // No message_stop: the finish from message_delta, or stream_interrupted without one.
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

  return {
    ownedOptions: ANTHROPIC_OWNED,
    chatBatches,
    async embed(_call: EmbedCall): Promise<EmbedResult> {
      throw new UpstreamError('bad_request', 'anthropic has no embeddings endpoint', { provider });
    },
    async listModels(signal: AbortSignal): Promise<string[]> {
      // Paginated (limit ≤ 1000, after_id); one page of 1000 covers every published model.
      const res = await upstreamRequest(ep, {
        method: 'GET',
        path: '/v1/models',
        query: { limit: '1000' },
        headers: headers(),
        signal,
      });
      if (res.status < 200 || res.status >= 300) throw await httpError(res, provider);
      const page = (await res.json()) as Partial<ModelsPage> | null;
      if (!page || !Array.isArray(page.data)) {
        throw new UpstreamError('server_error', `${provider}: /v1/models answered without data[]`, { provider });
      }
      return page.data.map((m) => m.id).filter((id): id is string => typeof id === 'string');
    },
  };
}

/** The API closes the body right after message_stop; a server that doesn't costs the socket. */
const DRAIN_MS = 250;

async function drain(rest: AsyncIterator<unknown>, abort: AbortController): Promise<void> {
  const timer = setTimeout(() => abort.abort(new Error('drain after message_stop timed out')), DRAIN_MS);
  try {
    while (!(await rest.next()).done);
  } catch {
    // The response is already complete: a late socket error or the drain timeout changes nothing.
  } finally {
    clearTimeout(timer);
  }
}

/**
 * A non-2xx response: `{type:"error", error:{type, message}}` (Cloudflare's 413 and proxies may
 * send HTML or nothing). Status decides the kind (classifyHttpError), with two Anthropic facts
 * it cannot know: a 400 "prompt is too long" is a context overflow, and a 5xx/other status
 * carrying overloaded_error (529 is its usual status) means overloaded.
 */
export async function httpError(res: UpstreamResponse, provider: string): Promise<UpstreamError> {
  let text = '';
  try {
    text = await res.text();
  } catch {
    // The body broke off: the status alone still classifies the failure.
  }
  let type: string | undefined;
  let message = text.slice(0, 500);
  try {
    const parsed = JSON.parse(text) as { error?: { type?: unknown; message?: unknown } };
    if (typeof parsed.error?.type === 'string') type = parsed.error.type;
    if (typeof parsed.error?.message === 'string') message = parsed.error.message;
  } catch {
    // Not JSON: keep the raw text as the message.
  }
  const err = classifyHttpError(res.status, res.headers, message, provider, type);
  const byType = type === undefined ? undefined : errorKind(type, message);
  if (byType === 'context_length_exceeded' || (byType === 'overloaded' && err.kind === 'server_error')) {
    return new UpstreamError(byType, err.message, err.details);
  }
  return err;
}
