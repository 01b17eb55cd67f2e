// A fake Anthropic API on node:http, speaking the real wire format (see ./anthropic-scenarios.ts
// for the bytes). It records every request it gets (path, headers, parsed body) and writes
// response bodies in pieces, so clients see events split at arbitrary byte boundaries, inside
// multi-byte UTF-8 characters, optionally with CRLF line ends.
//
// Scenario: a model name returned by `arrange(plan)` (the conformance suite's way), else header
// `x-fake-scenario`, else the request's model when it names a scenario (e.g. model
// "parallel_tools"), else `fake.scenario`, else "text". Per-request framing overrides:
// `x-fake-chunk` (max bytes per write), `x-fake-seed`, `x-fake-crlf: 1`.
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { ConformanceFake, ConformanceScenario } from '../providers/conformance.js';
import {
  ERRORS,
  MALFORMED_EVENT,
  MODELS,
  STREAM_ERROR_EVENT,
  errorBody,
  errorTypeFor,
  pieces,
  rateLimitHeaders,
  streamFor,
  textStream,
  textStreamHead,
  toolsStream,
  type ErrorScenario,
} from './anthropic-scenarios.js';

export interface RecordedRequest {
  method: string;
  /** Path with query string. */
  path: string;
  headers: IncomingHttpHeaders;
  /** Parsed JSON body (undefined for GET / non-JSON). */
  body: any;
}

export interface FakeFraming {
  /** Largest write in bytes; 0 writes the body at once. Sizes are random in [1, chunk] (seeded). */
  chunk: number;
  seed: number;
  crlf: boolean;
  /** slow_first_byte: wait this long before sending the response headers. */
  firstByteDelayMs: number;
}

export interface AnthropicFake {
  url: string;
  requests: RecordedRequest[];
  /** Requests whose client went away before the response ended (cancellation checks). */
  clientAborts: number;
  /** TCP connections accepted (keep-alive reuse checks). */
  connections: number;
  scenario: string | undefined;
  framing: FakeFraming;
  /** Prepares the answer to requests for the returned model name. */
  arrange(plan: Plan): string;
  /** Resolves when the connection of the most recent request closes. */
  lastConnectionClosed(): Promise<void>;
  close(): Promise<void>;
}

export const SCENARIOS = [
  'basic_response',
  'tool_use_response',
  'text',
  'max_tokens',
  'refusal',
  'parallel_tools',
  'thinking',
  'json_tool',
  'stream_error',
  'truncated',
  'no_message_stop',
  'reset_after_stop_reason',
  'linger',
  'reset',
  'stall',
  'malformed',
  'empty',
  'slow_first_byte',
  ...Object.keys(ERRORS),
] as const;

/** Deterministic sizes (mulberry32): the same seed splits the same body the same way. */
export function splitSizes(total: number, max: number, seed: number): number[] {
  let s = seed >>> 0;
  const rand = (): number => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const sizes: number[] = [];
  for (let done = 0; done < total; ) {
    const n = max <= 0 ? total : Math.min(total - done, 1 + Math.floor(rand() * max));
    sizes.push(n);
    done += n;
  }
  return sizes;
}

/** The body as the chunks the fake writes. */
export function splitBody(text: string, framing: Pick<FakeFraming, 'chunk' | 'seed' | 'crlf'>): Buffer[] {
  const bytes = Buffer.from(framing.crlf ? text.replace(/\n/g, '\r\n') : text, 'utf8');
  const out: Buffer[] = [];
  let at = 0;
  for (const n of splitSizes(bytes.length, framing.chunk, framing.seed)) {
    out.push(bytes.subarray(at, at + n));
    at += n;
  }
  return out;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** One response, fully decided: named scenarios and arranged (conformance) ones both become this. */
export interface Plan {
  status: number;
  headers?: Record<string, string>;
  body: string;
  /** After the body: end it (default), reset the connection, or stall until the client leaves. */
  cut?: 'end' | 'reset' | 'stall';
  /** Wait this long before the response headers. */
  delayMs?: number;
  /** Write sizes, cycled (overrides the random split). */
  sizes?: number[];
}

export function errorPlan(e: ErrorScenario, nowMs = Date.now()): Plan {
  const extra = e.status === 429 ? rateLimitHeaders(nowMs, true) : {};
  return { status: e.status, headers: { ...extra, ...(e.headers ?? {}), 'content-type': 'application/json' }, body: errorBody(e) };
}

export function streamPlan(body: string, cut: Plan['cut'] = 'end'): Plan {
  return {
    status: 200,
    headers: {
      ...rateLimitHeaders(Date.now(), false),
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
    },
    body,
    cut,
  };
}

function cycled(total: number, sizes: number[]): number[] {
  const out: number[] = [];
  for (let done = 0, i = 0; done < total; i++) {
    const n = Math.min(total - done, Math.max(1, sizes[i % sizes.length] ?? total));
    out.push(n);
    done += n;
  }
  return out;
}

export async function startAnthropicFake(framing: Partial<FakeFraming> = {}): Promise<AnthropicFake> {
  const arranged = new Map<string, Plan>();
  let lastSocketClosed: Promise<void> = Promise.resolve();
  const fake: AnthropicFake = {
    url: '',
    requests: [],
    clientAborts: 0,
    connections: 0,
    scenario: undefined,
    framing: { chunk: 7, seed: 1, crlf: false, firstByteDelayMs: 300, ...framing },
    arrange(plan: Plan): string {
      const model = `arranged-${arranged.size + 1}`;
      arranged.set(model, plan);
      return model;
    },
    lastConnectionClosed: () => lastSocketClosed,
    close: async () => undefined,
  };
  const sockets = new Set<Socket>();
  const socketClosed = new WeakMap<Socket, Promise<void>>();

  const server: Server = createServer((req, res) => {
    lastSocketClosed = socketClosed.get(req.socket) ?? Promise.resolve();
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(parts).toString('utf8');
      let body: any;
      try {
        body = raw ? JSON.parse(raw) : undefined;
      } catch {
        body = undefined;
      }
      fake.requests.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, body });
      res.on('close', () => {
        if (!res.writableFinished) fake.clientAborts++;
      });
      void handle(req.method ?? '', req.url ?? '', req.headers, body, res).catch(() => res.destroy());
    });
  });

  function planFor(method: string, path: string, headers: IncomingHttpHeaders, body: any, f: FakeFraming): Plan {
    const header = (n: string): string | undefined => {
      const v = headers[n];
      return Array.isArray(v) ? v[0] : v;
    };
    if (method === 'GET' && path === '/v1/models') {
      return { status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(MODELS) };
    }
    if (method !== 'POST' || path !== '/v1/messages') {
      return errorPlan({ status: 404, type: 'not_found_error', message: 'Not found' });
    }
    // Like the real API: no key → 401 before anything else.
    if (!header('x-api-key') && !header('authorization')) return errorPlan(ERRORS['error_401']!);
    const model = typeof body?.model === 'string' ? body.model : 'claude-fake';
    const plan = arranged.get(model);
    if (plan) return plan;
    const scenario =
      header('x-fake-scenario') ?? ((SCENARIOS as readonly string[]).includes(model) ? model : undefined) ?? fake.scenario ?? 'text';
    const err = ERRORS[scenario];
    if (err) return errorPlan(err);
    const stream = streamFor(scenario, model);
    if (!stream) return errorPlan({ status: 400, type: 'invalid_request_error', message: `unknown fake scenario ${scenario}` });
    const p = streamPlan(stream.body, stream.cut);
    return scenario === 'slow_first_byte' ? { ...p, delayMs: f.firstByteDelayMs } : p;
  }

  async function handle(method: string, url: string, headers: IncomingHttpHeaders, body: any, res: ServerResponse) {
    const header = (n: string): string | undefined => {
      const v = headers[n];
      return Array.isArray(v) ? v[0] : v;
    };
    const f: FakeFraming = { ...fake.framing };
    if (header('x-fake-chunk') !== undefined) f.chunk = Number(header('x-fake-chunk'));
    if (header('x-fake-seed') !== undefined) f.seed = Number(header('x-fake-seed'));
    if (header('x-fake-crlf') !== undefined) f.crlf = header('x-fake-crlf') === '1';
    const plan = planFor(method, url.split('?')[0] ?? '', headers, body, f);

    if (plan.delayMs) await sleep(plan.delayMs);
    if (res.destroyed) return;
    res.writeHead(plan.status, {
      'request-id': `req_011CFake${fake.requests.length}`,
      'anthropic-organization-id': 'org-fake',
      ...(plan.headers ?? {}),
    });
    res.flushHeaders();
    let chunks = splitBody(plan.body, f);
    if (plan.sizes) {
      const all = Buffer.concat(chunks);
      let at = 0;
      chunks = cycled(all.length, plan.sizes).map((n) => all.subarray(at, (at += n)));
    }
    for (const piece of chunks) {
      if (res.destroyed) return;
      res.write(piece);
      // Yield between writes so pieces leave as separate chunks rather than one buffer.
      await new Promise((r) => setImmediate(r));
    }
    if (plan.cut === 'reset') {
      await sleep(20);
      res.socket?.destroy();
      return;
    }
    if (plan.cut === 'stall') return; // silence until the client leaves
    res.end();
  }

  server.on('connection', (s) => {
    fake.connections++;
    // One close promise per keep-alive socket, not one listener per request on it.
    socketClosed.set(s, new Promise((r) => s.once('close', () => r())));
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  fake.close = () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });
  return fake;
}

/** The fake behind the shared conformance suite (test/providers/conformance.ts): each arranged scenario becomes a Plan. */
export function anthropicConformanceFake(): ConformanceFake {
  let fake: AnthropicFake | undefined;
  const need = (): AnthropicFake => {
    if (!fake) throw new Error('anthropic fake not started');
    return fake;
  };
  const model = 'claude-sonnet-4-20250514';
  return {
    async start() {
      fake = await startAnthropicFake();
      return fake.url;
    },
    async stop() {
      await fake?.close();
      fake = undefined;
    },
    closed: () => need().lastConnectionClosed(),
    arrange(s: ConformanceScenario, opts: { chunkSizes?: number[] } = {}): string {
      const sizes = opts.chunkSizes ? { sizes: opts.chunkSizes } : { sizes: [1 << 30] };
      let plan: Plan;
      switch (s.type) {
        case 'text':
          plan = streamPlan(
            textStream(model, 'end_turn', pieces(s.text), {
              input_tokens: s.usage.inputTokens,
              cache_creation_input_tokens: 0,
              cache_read_input_tokens: 0,
              output: s.usage.outputTokens,
            }),
          );
          break;
        case 'tool_calls':
          plan = streamPlan(
            toolsStream(
              model,
              s.calls.map((c) => ({ id: c.id, name: c.name, pieces: pieces(c.argumentsJson, 6) })),
            ),
          );
          break;
        case 'http_error': {
          const retry: Record<string, string> = s.retryAfterSeconds !== undefined ? { 'retry-after': String(s.retryAfterSeconds) } : {};
          plan = errorPlan({ status: s.status, type: errorTypeFor(s.status), message: s.message, headers: retry });
          break;
        }
        case 'stream_error':
          plan = streamPlan(textStreamHead(model, pieces(s.text)) + STREAM_ERROR_EVENT('api_error', s.message));
          break;
        case 'reset':
          plan = streamPlan(textStreamHead(model, pieces(s.text)), 'reset');
          break;
        case 'slow_headers':
          plan = { ...streamPlan(textStream(model)), delayMs: s.delayMs };
          break;
        case 'malformed':
          plan = streamPlan(textStreamHead(model) + MALFORMED_EVENT);
          break;
        case 'empty':
          plan = streamPlan('');
          break;
        case 'hang':
          plan = streamPlan(textStreamHead(model, pieces(s.text)), 'stall');
          break;
        case 'cut_after_terminal': {
          const full = textStream(model, 'end_turn', pieces(s.text), {
            input_tokens: s.usage.inputTokens,
            cache_creation_input_tokens: 0,
            cache_read_input_tokens: 0,
            output: s.usage.outputTokens,
          });
          // Everything up to and including message_delta; message_stop never comes.
          plan = streamPlan(full.slice(0, full.indexOf('event: message_stop')), s.cut === 'eof' ? 'end' : 'reset');
          break;
        }
        case 'cut_before_terminal': {
          const full = textStream(model, 'end_turn', pieces(s.text));
          // All text and content_block_stop, but no message_delta: no stop reason arrived.
          plan = streamPlan(full.slice(0, full.indexOf('event: message_delta')), s.cut === 'eof' ? 'end' : 'reset');
          break;
        }
      }
      return need().arrange({ ...plan, ...sizes });
    },
  };
}
