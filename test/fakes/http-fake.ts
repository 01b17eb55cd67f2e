// A node:http server that plays scripted responses byte for byte: status, headers, then a body
// written in chunks of chosen sizes (so SSE events, CRLFs and multi-byte UTF-8 characters are
// split anywhere), with optional delays, a mid-body connection reset, or a body that never ends.
// Provider fakes (./openai.ts …) render their wire format into a Plan; this file only delivers it
// and records what the client sent, including when each request's socket closed.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface Plan {
  status: number;
  headers: Record<string, string>;
  body: Uint8Array | string;
  /** Write sizes, cycled (default: the whole body at once). */
  chunkSizes?: number[];
  /** Wait before sending the status line and headers. */
  firstByteDelayMs?: number;
  /** Destroy the socket (TCP RST) after this many body bytes. */
  resetAfterBytes?: number;
  /** Keep the response open after the body instead of ending it. */
  hang?: boolean;
}

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: unknown;
  rawBody: string;
  /** Set when the server saw the request's connection close (or the response finish). */
  closedAt?: number;
  closed: Promise<void>;
}

export type Responder = (req: RecordedRequest) => Plan;

export class HttpFake {
  readonly requests: RecordedRequest[] = [];
  /** TCP connections accepted so far (keep-alive reuse shows as fewer connections than requests). */
  connections = 0;
  #server: Server | undefined;
  readonly #sockets = new Set<Socket>();

  constructor(private readonly respond: Responder) {}

  async start(): Promise<string> {
    const server = createServer((req, res) => void this.#handle(req, res));
    server.on('connection', (s) => {
      this.connections++;
      this.#sockets.add(s);
      s.setNoDelay(true);
      s.on('close', () => this.#sockets.delete(s));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.#server = server;
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    for (const s of this.#sockets) s.destroy();
    await new Promise<void>((resolve) => (this.#server ? this.#server.close(() => resolve()) : resolve()));
    this.#server = undefined;
  }

  get last(): RecordedRequest | undefined {
    return this.requests.at(-1);
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const parts: Buffer[] = [];
    for await (const c of req) parts.push(c as Buffer);
    const rawBody = Buffer.concat(parts).toString('utf8');
    let body: unknown;
    try {
      body = rawBody ? JSON.parse(rawBody) : undefined;
    } catch {
      body = rawBody;
    }
    let markClosed!: () => void;
    const rec: RecordedRequest = {
      method: req.method ?? '',
      path: req.url ?? '',
      headers: req.headers,
      body,
      rawBody,
      closed: new Promise<void>((r) => (markClosed = r)),
    };
    this.requests.push(rec);
    const onClose = (): void => {
      rec.closedAt ??= Date.now();
      markClosed();
    };
    res.on('close', onClose);
    let plan: Plan;
    try {
      plan = this.respond(rec);
    } catch (err) {
      plan = { status: 599, headers: { 'content-type': 'text/plain' }, body: `fake: ${String(err)}` };
    }
    await deliver(plan, res);
  }
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A first-byte delay ends early when the client goes away (or stop() closes the socket). */
function delayUnlessClosed(ms: number, res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      res.off('close', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    res.once('close', done);
  });
}

async function deliver(plan: Plan, res: ServerResponse): Promise<void> {
  if (plan.firstByteDelayMs) await delayUnlessClosed(plan.firstByteDelayMs, res);
  if (res.destroyed) return;
  const bytes = typeof plan.body === 'string' ? Buffer.from(plan.body, 'utf8') : Buffer.from(plan.body);
  const headers = { ...plan.headers };
  // Streams go out chunked like the real APIs; fixed bodies with a length.
  if (!plan.hang && plan.resetAfterBytes === undefined && !plan.chunkSizes) {
    headers['content-length'] = String(bytes.length);
  }
  res.writeHead(plan.status, headers);
  res.flushHeaders();
  const sizes = plan.chunkSizes && plan.chunkSizes.length > 0 ? plan.chunkSizes : [bytes.length || 1];
  const limit = plan.resetAfterBytes ?? bytes.length;
  let off = 0;
  let i = 0;
  while (off < Math.min(limit, bytes.length)) {
    if (res.destroyed) return;
    const size = Math.max(1, sizes[i++ % sizes.length] ?? 1);
    const end = Math.min(off + size, limit, bytes.length);
    res.write(bytes.subarray(off, end));
    off = end;
    // Yield so separate writes tend to leave as separate TCP segments.
    await tick();
  }
  if (plan.resetAfterBytes !== undefined) {
    await sleep(5);
    res.socket?.resetAndDestroy();
    return;
  }
  if (plan.hang) return;
  res.end();
}

/** A started fake with a reply queue in front of its default routes. */
export interface QueuedFake {
  url: string;
  requests: RecordedRequest[];
  readonly last: RecordedRequest;
  /** Plans used for the next requests, in order, whatever their route; then the defaults. */
  enqueue(...plans: Plan[]): void;
  close(): Promise<void>;
}

export async function startQueuedFake(defaults: Responder): Promise<QueuedFake> {
  const queue: Plan[] = [];
  const fake = new HttpFake((req) => queue.shift() ?? defaults(req));
  const url = await fake.start();
  return {
    url,
    requests: fake.requests,
    get last() {
      const r = fake.last;
      if (!r) throw new Error('no request recorded');
      return r;
    },
    enqueue: (...plans) => void queue.push(...plans),
    close: () => fake.stop(),
  };
}
