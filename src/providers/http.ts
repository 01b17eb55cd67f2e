// The one HTTP client every adapter uses: undici, one keep-alive Pool per upstream origin (and
// timeout profile), with the three timeouts of `Timeouts` mapped onto undici's own:
// connect → connect.timeout, first byte → headersTimeout, idle between chunks → bodyTimeout.
// Network failures become UpstreamError; HTTP error statuses are returned for the adapter to
// classify, since only the adapter knows its provider's error body.
import { Pool, errors as undiciErrors, type Dispatcher } from 'undici';
import { UpstreamError, type UpstreamErrorKind } from './errors.js';
import { Utf8StreamDecoder } from './framing/utf8.js';
import type { ProviderEndpoint } from './types.js';

export interface UpstreamResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** Raw body chunks; idle timeout → UpstreamError('timeout'); socket error mid-body → UpstreamError('stream_interrupted'); caller abort → the signal's reason is thrown. */
  body: AsyncIterable<Uint8Array>;
  text(): Promise<string>;
  json(): Promise<unknown>;
}

export interface UpstreamRequest {
  method: 'GET' | 'POST';
  path: string;
  query?: Record<string, string>;
  headers?: Record<string, string>;
  body?: unknown;
  signal: AbortSignal;
}

const pools = new Map<string, Pool>();

function poolFor(endpoint: ProviderEndpoint, origin: string): Pool {
  const t = endpoint.timeouts;
  const key = `${origin}|${t.connectMs}|${t.firstByteMs}|${t.idleMs}`;
  let pool = pools.get(key);
  if (!pool) {
    pool = new Pool(origin, {
      connect: { timeout: t.connectMs },
      // Backstop only; the precise first-byte limit is our own timer in upstreamRequest.
      headersTimeout: t.firstByteMs + 1_000,
      bodyTimeout: t.idleMs,
    });
    pools.set(key, pool);
  }
  return pool;
}

/** Closes all pools (tests, shutdown). */
export async function closeUpstreamPools(): Promise<void> {
  const all = [...pools.values()];
  pools.clear();
  await Promise.all(all.map((p) => p.destroy().catch(() => undefined)));
}

/** Never throws on HTTP error statuses (the adapter classifies them); throws UpstreamError('connection' | 'timeout') on network failure; honours `signal` (aborting closes the upstream socket/stream promptly). */
export async function upstreamRequest(endpoint: ProviderEndpoint, req: UpstreamRequest): Promise<UpstreamResponse> {
  req.signal.throwIfAborted();
  const base = new URL(endpoint.baseUrl);
  // The base URL may carry a path prefix (https://openrouter.ai/api/v1): the request path is
  // appended to it, never replacing it.
  const prefix = base.pathname.replace(/\/+$/, '');
  const qs = req.query && Object.keys(req.query).length > 0 ? `?${new URLSearchParams(req.query).toString()}` : '';
  const path = `${prefix}${req.path.startsWith('/') ? '' : '/'}${req.path}${qs}`;
  const headers: Record<string, string> = { ...req.headers };
  let body: string | undefined;
  if (req.body !== undefined) {
    body = JSON.stringify(req.body);
    headers['content-type'] ??= 'application/json';
  }
  const provider = endpoint.id;
  // Our own first-byte timer: undici's headersTimeout runs on a coarse shared clock (a 200 ms
  // limit fires after ~1 s), and the executor's fallback latency depends on this one.
  const inner = new AbortController();
  const forward = (): void => inner.abort(req.signal.reason);
  req.signal.addEventListener('abort', forward, { once: true });
  let firstByteExpired = false;
  const timer = setTimeout(() => {
    firstByteExpired = true;
    inner.abort(new Error('first byte timeout'));
  }, endpoint.timeouts.firstByteMs);
  let res: Dispatcher.ResponseData;
  try {
    res = await poolFor(endpoint, base.origin).request({ method: req.method, path, headers, body, signal: inner.signal });
  } catch (err) {
    req.signal.removeEventListener('abort', forward);
    if (req.signal.aborted) throw req.signal.reason;
    if (firstByteExpired) {
      throw new UpstreamError('timeout', `${provider}: no response within ${endpoint.timeouts.firstByteMs} ms`, { provider });
    }
    throw networkError(err, provider, 'connection');
  } finally {
    clearTimeout(timer);
  }
  const raw = res.body;
  const signal = req.signal;
  // One generator per response: the body can be read once, by `body`, `text()` or `json()`.
  async function* chunks(): AsyncGenerator<Uint8Array> {
    let done = false;
    try {
      for await (const chunk of raw) yield chunk as Uint8Array;
      done = true;
    } catch (err) {
      if (signal.aborted) throw signal.reason;
      throw networkError(err, provider, 'stream_interrupted');
    } finally {
      req.signal.removeEventListener('abort', forward);
      // A consumer that stops early (break, error, abort) must not leave the socket streaming.
      if (!done) raw.destroy();
    }
  }
  const iterable = chunks();
  const text = async (): Promise<string> => {
    const decoder = new Utf8StreamDecoder();
    let out = '';
    for await (const c of iterable) out += decoder.write(c);
    return out + decoder.end();
  };
  return {
    status: res.statusCode,
    headers: res.headers,
    body: iterable,
    text,
    async json() {
      const t = await text();
      try {
        return JSON.parse(t) as unknown;
      } catch {
        throw new UpstreamError('server_error', `upstream sent invalid JSON: ${t.slice(0, 200)}`, {
          status: res.statusCode,
          provider,
        });
      }
    },
  };
}

/** Maps undici / socket failures; `fallback` is the kind for "the connection broke". */
function networkError(err: unknown, provider: string, fallback: UpstreamErrorKind): UpstreamError {
  const code = (err as { code?: string } | undefined)?.code;
  const msg = err instanceof Error ? err.message : String(err);
  if (
    err instanceof undiciErrors.ConnectTimeoutError ||
    err instanceof undiciErrors.HeadersTimeoutError ||
    err instanceof undiciErrors.BodyTimeoutError ||
    code === 'UND_ERR_CONNECT_TIMEOUT' ||
    code === 'UND_ERR_HEADERS_TIMEOUT' ||
    code === 'UND_ERR_BODY_TIMEOUT' ||
    code === 'ETIMEDOUT'
  ) {
    return new UpstreamError('timeout', `${provider}: ${msg}`, { provider });
  }
  return new UpstreamError(fallback, `${provider}: ${msg}${code ? ` (${code})` : ''}`, { provider });
}

const CONTEXT_MESSAGE =
  /context[ _-]?(length|window|size)|maximum context|too many tokens|prompt is too long|exceeds? the (available )?context|input is too long|reduce the length/i;

/** Generic status → kind mapping (400 bad_request, 401/403 auth, 404 not_found, 408 timeout, 413/400-with-context-message context_length_exceeded, 429 rate_limited, 503/529 overloaded, other 5xx server_error) with retryAfterMs from parseRetryAfterMs; `message` is the provider's extracted message. */
export function classifyHttpError(
  status: number,
  headers: UpstreamResponse['headers'],
  message: string,
  provider: string,
  upstreamCode?: string,
): UpstreamError {
  let kind: UpstreamErrorKind;
  if (upstreamCode === 'context_length_exceeded' || status === 413 || (status === 400 && CONTEXT_MESSAGE.test(message))) {
    kind = 'context_length_exceeded';
  } else if (status === 400 || status === 422) kind = 'bad_request';
  // 402 (OpenRouter "insufficient credits") is an account problem like a bad key: not retryable.
  else if (status === 401 || status === 402 || status === 403) kind = 'auth';
  else if (status === 404) kind = 'not_found';
  else if (status === 408 || status === 504) kind = 'timeout';
  else if (status === 429) kind = 'rate_limited';
  else if (status === 503 || status === 529) kind = 'overloaded';
  else if (status >= 500) kind = 'server_error';
  else kind = 'bad_request';
  const retryAfterMs = parseRetryAfterMs(headers, Date.now());
  const details: UpstreamError['details'] = { status, provider };
  if (retryAfterMs !== undefined) details.retryAfterMs = retryAfterMs;
  if (upstreamCode !== undefined) details.upstreamCode = upstreamCode;
  return new UpstreamError(kind, message || `HTTP ${status}`, details);
}

function header(headers: UpstreamResponse['headers'], name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** "1s", "6m0s", "20ms", "1.146s", "1h2m" (Go durations, as OpenAI sends) → ms. */
function parseGoDuration(s: string): number | undefined {
  const re = /(\d+(?:\.\d+)?)(ms|us|µs|ns|h|m|s)/g;
  let total = 0;
  let matched = '';
  for (const m of s.trim().matchAll(re)) {
    const n = Number(m[1]);
    const unit = m[2];
    total += unit === 'h' ? n * 3_600_000 : unit === 'm' ? n * 60_000 : unit === 's' ? n * 1000 : unit === 'ms' ? n : n / 1e6;
    matched += m[0];
  }
  return matched.length > 0 && matched === s.trim() ? total : undefined;
}

/** retry-after (seconds or HTTP date), retry-after-ms, x-ratelimit-reset-requests/-tokens ("1s", "6m0s", "20ms"), anthropic-ratelimit-*-reset (RFC 3339). Smallest sensible wait, ms. */
export function parseRetryAfterMs(headers: UpstreamResponse['headers'], nowMs: number): number | undefined {
  // An explicit instruction wins over the informational reset headers.
  const ms = header(headers, 'retry-after-ms');
  if (ms !== undefined && ms.trim() !== '' && Number.isFinite(Number(ms)) && Number(ms) >= 0) return Math.ceil(Number(ms));
  const ra = header(headers, 'retry-after');
  if (ra !== undefined && ra.trim() !== '') {
    const secs = Number(ra);
    if (Number.isFinite(secs) && secs >= 0) return Math.ceil(secs * 1000);
    const date = Date.parse(ra);
    if (!Number.isNaN(date)) return Math.max(0, date - nowMs);
  }
  // Reset headers come for every limit; the one that matters is the exhausted one
  // (remaining 0). With none exhausted we take the smallest (the earliest a retry can help);
  // with several exhausted, the largest (all of them must reset).
  const exhausted: number[] = [];
  const all: number[] = [];
  for (const [name, value] of Object.entries(headers)) {
    const v = Array.isArray(value) ? value[0] : value;
    if (v === undefined) continue;
    let wait: number | undefined;
    let remainingName: string | undefined;
    const oa = /^x-ratelimit-reset-(requests|tokens)$/.exec(name);
    const an = /^anthropic-ratelimit-([a-z-]+)-reset$/.exec(name);
    if (oa) {
      wait = parseGoDuration(v);
      remainingName = `x-ratelimit-remaining-${oa[1]}`;
    } else if (an) {
      const t = Date.parse(v);
      if (!Number.isNaN(t)) wait = Math.max(0, t - nowMs);
      remainingName = `anthropic-ratelimit-${an[1]}-remaining`;
    }
    if (wait === undefined) continue;
    all.push(wait);
    if (remainingName && header(headers, remainingName)?.trim() === '0') exhausted.push(wait);
  }
  if (exhausted.length > 0) return Math.ceil(Math.max(...exhausted));
  if (all.length > 0) return Math.ceil(Math.min(...all));
  return undefined;
}
