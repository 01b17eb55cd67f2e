// The HTTP port: connect-node serving the same impls over the Connect protocol (JSON and
// binary), gRPC-Web and gRPC, on HTTP/1.1 and cleartext HTTP/2 (prior knowledge) on one port.
//
// Node's `http2.createServer({ allowHTTP1: true })` only falls back to HTTP/1.1 on TLS (ALPN),
// so a plain `net.Server` accepts each connection, peeks at its first bytes and hands the
// socket to an HTTP/2 server when they are the HTTP/2 client preface, else to an HTTP/1.1
// server (with the peeked bytes pushed back).
import * as http from 'node:http';
import * as http2 from 'node:http2';
import { setMaxListeners } from 'node:events';
import * as net from 'node:net';
import * as tls from 'node:tls';
import type { ConnectRouter, ContextValues, Interceptor } from '@connectrpc/connect';
import { connectHandler, correctParseError } from './connect-adapter.js';
import { publicError, type TransportLogger } from './grpc-bridge.js';
import { ABORTED_CALLS_GRACE_MS, shuttingDown } from './shutdown.js';
import { removeStaleSocket, unixSocketPath } from './unix-socket.js';
import { tlsServerOptions, watchTlsFiles, type TlsFiles } from './tls.js';

export type NodeRequest = http.IncomingMessage | http2.Http2ServerRequest;
export type NodeResponse = http.ServerResponse | http2.Http2ServerResponse;

export interface HttpServerOptions {
  /** "host:port" (port 0 picks a free port) or "unix:///path". */
  address: string;
  routes: (router: ConnectRouter) => void;
  /**
   * Runs before the RPC routes; return true when the request was handled (e.g. /metrics, the
   * OpenAI-compatible API). `shutdown` is aborted when the shutdown grace ends, as connect's
   * ctx.signal is, so a long response (a stream) can end itself with a reason.
   */
  extraRoutes?: (req: NodeRequest, res: NodeResponse, shutdown: AbortSignal) => boolean;
  readMaxBytes: number;
  logger?: TransportLogger;
  /** Extra Connect interceptors, inside the error logger/sanitiser. */
  interceptors?: Interceptor[];
  contextValues?: (req: NodeRequest) => ContextValues;
  /** A connection that sends nothing for this long before we can tell its protocol is dropped. */
  sniffTimeoutMs?: number;
  /** TLS from files (re-read when they change); ALPN then chooses HTTP/2 or HTTP/1.1. */
  tls?: TlsFiles | undefined;
  /** A TLS file set that cannot be loaded on change (the previous one stays). */
  onTlsError?: (err: unknown) => void;
}

export interface RunningHttpServer {
  port: number;
  address: string;
  /** Stops accepting, lets in-flight requests finish for up to graceMs, then cuts the rest. */
  close(graceMs?: number): Promise<void>;
}

const H2_PREFACE = Buffer.from('PRI * HTTP/2.0\r\n');

export async function startHttpServer(options: HttpServerOptions): Promise<RunningHttpServer> {
  const logger = options.logger ?? { error: (m, f) => console.error(m, f) };
  // Aborted when the grace period ends, so that streaming impls stop (ctx.signal).
  const shutdown = new AbortController();
  // connect-node links every running call's signal to this one (one listener per call), so
  // any load past Node's default of 10 would print a MaxListenersExceededWarning.
  setMaxListeners(0, shutdown.signal);
  let draining = false;

  const rpc = connectHandler({
    routes: options.routes,
    readMaxBytes: options.readMaxBytes,
    shutdownSignal: shutdown.signal,
    interceptors: [sanitizeErrors(logger), ...(options.interceptors ?? [])],
    contextValues: options.contextValues,
  });

  const handle = (req: NodeRequest, res: NodeResponse): void => {
    const url = req.url ?? '/';
    const path = url.includes('?') ? url.slice(0, url.indexOf('?')) : url;
    if (path === '/healthz' && (req.method === 'GET' || req.method === 'HEAD')) {
      const body = draining ? 'shutting down\n' : 'ok\n';
      (res as http.ServerResponse).writeHead(draining ? 503 : 200, {
        'content-type': 'text/plain; charset=utf-8',
        'content-length': String(Buffer.byteLength(body)),
      });
      if (req.method === 'HEAD') res.end();
      else res.end(body);
      return;
    }
    if (options.extraRoutes?.(req, res, shutdown.signal)) return;
    rpc(req, res);
  };

  // HTTP/1.1: track in-flight requests per socket so that close() can drop idle keep-alive
  // sockets at once and busy ones as soon as their response ends.
  const busy = new Map<net.Socket, number>();
  const h1 = http.createServer((req, res) => {
    const socket = req.socket;
    busy.set(socket, (busy.get(socket) ?? 0) + 1);
    res.once('close', () => {
      const n = (busy.get(socket) ?? 1) - 1;
      if (n > 0) busy.set(socket, n);
      else {
        busy.delete(socket);
        if (draining) socket.destroy();
      }
    });
    if (draining) res.setHeader('connection', 'close');
    handle(req, res);
  });

  // Node's http.Server starts the checker that enforces headersTimeout / requestTimeout (the
  // slow-loris guards) on its own 'listening' event; this one never listens (the front
  // server does), so start it explicitly. close() below stops it again (h1.close()).
  h1.emit('listening');

  const h2 = http2.createServer({}, handle);
  const sessions = new Set<http2.ServerHttp2Session>();
  h2.on('session', (session) => {
    sessions.add(session);
    session.once('close', () => sessions.delete(session));
    if (draining) session.close();
  });

  const sockets = new Set<net.Socket>();
  // (Not session.socket: Http2Session exposes a proxy of the socket, not the socket itself.)
  const h2Sockets = new WeakSet<net.Socket>();
  const sniffTimeoutMs = options.sniffTimeoutMs ?? 10_000;
  const onSocket = (socket: net.Socket): void => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    if (socket instanceof tls.TLSSocket) {
      // The handshake already chose the protocol (ALPN); no client bytes to peek at.
      const isH2 = socket.alpnProtocol === 'h2';
      if (isH2) h2Sockets.add(socket);
      (isH2 ? h2 : h1).emit('connection', socket);
      return;
    }
    sniff(socket, sniffTimeoutMs, (isH2) => {
      if (isH2) h2Sockets.add(socket);
      (isH2 ? h2 : h1).emit('connection', socket);
    });
  };
  const tlsFiles = options.tls;
  const front: net.Server = tlsFiles ? tls.createServer(tlsServerOptions(tlsFiles), onSocket) : net.createServer(onSocket);
  const stopWatching = tlsFiles
    ? watchTlsFiles(tlsFiles, (o) => (front as tls.Server).setSecureContext(o), options.onTlsError ?? (() => undefined))
    : () => undefined;

  const socketPath = unixSocketPath(options.address);
  if (socketPath) await removeStaleSocket(socketPath);
  const { host, port: wantedPort } = socketPath ? { host: '', port: 0 } : parseAddress(options.address);
  await new Promise<void>((resolve, reject) => {
    front.once('error', reject);
    const listening = () => {
      front.off('error', reject);
      resolve();
    };
    if (socketPath) front.listen(socketPath, listening);
    else front.listen(wantedPort, host, listening);
  });
  // 0 on a unix socket: there is no port.
  const port = socketPath ? 0 : (front.address() as net.AddressInfo).port;

  let closing: Promise<void> | undefined;
  const close = async (graceMs: number): Promise<void> => {
    draining = true;
    stopWatching();
    const closed = new Promise<void>((resolve) => front.close(() => resolve()));
    h1.close(); // stops its timeout checker; its sockets are handled below
    for (const session of sessions) session.close(); // GOAWAY; in-flight streams may finish
    for (const socket of sockets) {
      // Idle HTTP/1.1 keep-alive sockets and sockets still being sniffed hold no work.
      if (!busy.has(socket) && !h2Sockets.has(socket)) socket.destroy();
    }
    // When the grace ends, calls still running are aborted with the shutdown reason (their
    // impls stop; each ends with UNAVAILABLE, a Chat stream after a `finish` saying why), and
    // get a moment to write that before the connections are cut.
    let cut: NodeJS.Timeout | undefined;
    const timer = setTimeout(() => {
      shutdown.abort(shuttingDown());
      cut = setTimeout(() => {
        for (const session of sessions) session.destroy();
        for (const socket of sockets) socket.destroy();
      }, ABORTED_CALLS_GRACE_MS);
    }, graceMs);
    await closed;
    clearTimeout(timer);
    clearTimeout(cut);
  };

  return {
    port,
    address: socketPath ? options.address : `${host.includes(':') ? `[${host}]` : host}:${port}`,
    close(graceMs = 5000) {
      closing ??= close(graceMs);
      return closing;
    },
  };
}

/** Reads until the first bytes show the protocol, then pushes them back and decides. */
function sniff(socket: net.Socket, timeoutMs: number, decide: (isH2: boolean) => void): void {
  let seen: Buffer = Buffer.alloc(0);
  const fail = (): void => {
    cleanup();
    socket.destroy();
  };
  const cleanup = (): void => {
    socket.off('readable', onReadable);
    socket.off('error', fail);
    socket.off('end', fail);
    socket.setTimeout(0);
  };
  const onReadable = (): void => {
    let chunk: Buffer | null;
    while ((chunk = socket.read() as Buffer | null) !== null) {
      seen = seen.length === 0 ? chunk : Buffer.concat([seen, chunk]);
    }
    const n = Math.min(seen.length, H2_PREFACE.length);
    if (n === 0) return;
    const prefixOfPreface = seen.subarray(0, n).equals(H2_PREFACE.subarray(0, n));
    if (prefixOfPreface && n < H2_PREFACE.length) return; // not enough bytes to tell yet
    cleanup();
    socket.unshift(seen);
    decide(prefixOfPreface);
  };
  socket.on('readable', onReadable);
  socket.on('error', fail);
  socket.on('end', fail);
  socket.setTimeout(timeoutMs, fail);
}

export function parseAddress(address: string): { host: string; port: number } {
  const i = address.lastIndexOf(':');
  if (i < 0) throw new Error(`address must be host:port, got "${address}"`);
  const port = Number(address.slice(i + 1));
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`invalid port in address "${address}"`);
  }
  let host = address.slice(0, i);
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  return { host: host === '' ? '0.0.0.0' : host, port };
}

/**
 * Applies `publicError`, the gRPC port's rule, here too. connect-node already answers a
 * non-ConnectError with INTERNAL "internal error", but logs nothing, so without this a bug
 * would vanish silently on this port; the rule also lets a deadline or cancel that caused the
 * failure win over it. Covers unary calls and errors raised while a response streams.
 */
function sanitizeErrors(logger: TransportLogger): Interceptor {
  return (next) => async (req) => {
    const rpc = `/${req.service.typeName}/${req.method.name}`;
    const reason = () => (req.signal.aborted ? req.signal.reason : undefined);
    try {
      const res = await next(req);
      if (!res.stream) return res;
      const inner = res.message;
      return {
        ...res,
        message: (async function* () {
          try {
            yield* inner;
          } catch (err) {
            throw publicError(err, reason(), rpc, logger);
          }
        })(),
      };
    } catch (err) {
      // A streaming request is parsed here, inside the interceptors (connect-adapter.ts).
      throw publicError(correctParseError(err, req.method.input.typeName), reason(), rpc, logger);
    }
  };
}
