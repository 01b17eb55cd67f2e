// The HTTP port: Connect (JSON and binary) over HTTP/1.1 and h2c, gRPC-Web, gRPC (connect
// and grpc-js clients), plain fetch with Connect JSON, /healthz, extra routes, and close().
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as http2 from 'node:http2';
import * as net from 'node:net';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { Code, ConnectError, createClient, type Client, type Transport } from '@connectrpc/connect';
import { createConnectTransport, createGrpcTransport, createGrpcWebTransport, Http2SessionManager } from '@connectrpc/connect-node';
import { RouterService } from '../../gen/switchyard/v1/router_pb.js';
import { BadRequestSchema, ErrorInfoSchema } from '../../gen/google/rpc/error_details_pb.js';
import { startHttpServer, type RunningHttpServer } from '../../src/server/http-server.js';
import { PROTO_DIR, records, silentLogger, testRouterImpl, waitFor } from './test-service.js';

let server: RunningHttpServer;
let baseUrl: string;
const sessions: Http2SessionManager[] = [];

beforeAll(async () => {
  server = await startHttpServer({
    address: '127.0.0.1:0',
    routes: (router) => router.service(RouterService, testRouterImpl),
    extraRoutes: (req, res) => {
      if (req.url !== '/metrics') return false;
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('# metrics\n');
      return true;
    },
    readMaxBytes: 1024 * 1024,
    logger: silentLogger,
  });
  baseUrl = `http://${server.address}`;
});

afterAll(async () => {
  for (const s of sessions) s.abort();
  await server?.close(100);
});

function h2Session(): Http2SessionManager {
  const s = new Http2SessionManager(baseUrl);
  sessions.push(s);
  return s;
}

const transports: Array<[string, () => Transport]> = [
  ['Connect JSON, HTTP/1.1', () => createConnectTransport({ baseUrl, httpVersion: '1.1', useBinaryFormat: false })],
  ['Connect binary, HTTP/1.1', () => createConnectTransport({ baseUrl, httpVersion: '1.1', useBinaryFormat: true })],
  ['Connect JSON, h2c', () => createConnectTransport({ baseUrl, httpVersion: '2', sessionManager: h2Session() })],
  ['gRPC-Web, HTTP/1.1', () => createGrpcWebTransport({ baseUrl, httpVersion: '1.1' })],
  ['gRPC-Web, h2c', () => createGrpcWebTransport({ baseUrl, httpVersion: '2', sessionManager: h2Session() })],
  ['gRPC, h2c', () => createGrpcTransport({ baseUrl, sessionManager: h2Session() })],
];

describe.each(transports)('%s', (_name, makeTransport) => {
  let client: Client<typeof RouterService>;
  beforeAll(() => {
    client = createClient(RouterService, makeTransport());
  });

  it('round-trips a unary call with headers and trailers', async () => {
    let header: Headers | undefined;
    let trailer: Headers | undefined;
    const res = await client.route(
      { model: 'm1', requestId: 'r', maxOutputTokens: 5n, messages: [{ content: 'x' }] },
      {
        headers: { authorization: 'Bearer k' },
        onHeader: (h) => (header = h),
        onTrailer: (t) => (trailer = t),
      },
    );
    expect(res.decisionId).toBe('auth=Bearer k');
    expect(res.resolved).toBe('m1');
    expect(res.estimate?.inputTokens).toBe(10n);
    expect(res.candidates[0]?.model).toBe('x');
    expect(header?.get('x-echo-header')).toBe('hello');
    expect(trailer?.get('x-echo-trailer')).toBe('bye');
  });

  it('streams server messages', async () => {
    const texts: string[] = [];
    for await (const ev of client.chat({ model: 'events:4:0' })) {
      if (ev.event.case === 'delta') texts.push(ev.event.value.text);
    }
    expect(texts).toEqual(['tok0', 'tok1', 'tok2', 'tok3']);
  });

  it('hides a plain Error thrown mid-stream behind INTERNAL', async () => {
    const texts: string[] = [];
    const err = await (async () => {
      for await (const ev of client.chat({ model: 'events:5:0:0:boom' })) {
        if (ev.event.case === 'delta') texts.push(ev.event.value.text);
      }
    })().then(
      () => expect.fail('should fail'),
      (e: unknown) => ConnectError.from(e),
    );
    expect(texts).toHaveLength(2);
    expect(err.code).toBe(Code.Internal);
    expect(err.rawMessage).toBe('internal error');
  });

  it('carries error code, message and details', async () => {
    const err = await client.embed({}).then(
      () => expect.fail('should fail'),
      (e: unknown) => ConnectError.from(e),
    );
    expect(err.code).toBe(Code.InvalidArgument);
    expect(err.rawMessage).toBe('bad input');
    expect(err.findDetails(ErrorInfoSchema)[0]?.reason).toBe('INPUT_EMPTY');
    expect(err.findDetails(BadRequestSchema)[0]?.fieldViolations[0]?.field).toBe('inputs');
  });

  it('hides a plain Error behind INTERNAL, and logs it', async () => {
    silentLogger.errors.length = 0;
    const err = await client.modelMetadata({}).then(
      () => expect.fail('should fail'),
      (e: unknown) => ConnectError.from(e),
    );
    expect(err.code).toBe(Code.Internal);
    expect(err.rawMessage).toBe('internal error');
    expect(String(silentLogger.errors[0])).toContain('hunter2');
  });

  it('answers UNIMPLEMENTED for a missing method', async () => {
    const err = await client.getDecision({}).then(
      () => expect.fail('should fail'),
      (e: unknown) => ConnectError.from(e),
    );
    expect(err.code).toBe(Code.Unimplemented);
  });
});

describe('plain HTTP', () => {
  it('accepts a Connect JSON POST from fetch', async () => {
    const res = await fetch(`${baseUrl}/switchyard.v1.RouterService/Route`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer f' },
      body: JSON.stringify({ model: 'm2', maxOutputTokens: '3' }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-echo-header')).toBe('hello');
    expect(res.headers.get('trailer-x-echo-trailer')).toBe('bye');
    const body = (await res.json()) as Record<string, unknown>;
    expect(body.decisionId).toBe('auth=Bearer f');
    expect(body.resolved).toBe('m2');
    expect(body.catalogVersion).toBe('connect:no-deadline');
  });

  it('returns Connect JSON errors with code and details', async () => {
    const res = await fetch(`${baseUrl}/switchyard.v1.RouterService/Embed`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { code: string; message: string; details: { type: string }[] };
    expect(body.code).toBe('invalid_argument');
    expect(body.message).toBe('bad input');
    expect(body.details.map((d) => d.type)).toEqual(['google.rpc.ErrorInfo', 'google.rpc.BadRequest']);
    const leak = await fetch(`${baseUrl}/switchyard.v1.RouterService/ModelMetadata`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(leak.status).toBe(500);
    expect(await leak.text()).not.toContain('hunter2');
  });

  it('serves GET /healthz and extra routes on HTTP/1.1 and h2c', async () => {
    const res = await fetch(`${baseUrl}/healthz`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await res.text()).toBe('ok\n');
    expect(await (await fetch(`${baseUrl}/metrics`)).text()).toBe('# metrics\n');
    const session = http2.connect(baseUrl);
    const h2body = await new Promise<string>((resolve, reject) => {
      const req = session.request({ ':path': '/healthz' });
      let data = '';
      req.setEncoding('utf8');
      req.on('data', (c: string) => (data += c));
      req.on('end', () => resolve(data));
      req.on('error', reject);
    });
    session.close();
    expect(h2body).toBe('ok\n');
  });

  it('keeps an HTTP/1.1 connection alive across requests', async () => {
    for (let i = 0; i < 5; i++) {
      const res = await fetch(`${baseUrl}/switchyard.v1.RouterService/ListModels`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ pageSize: 200 }),
      });
      const body = (await res.json()) as { models: unknown[] };
      expect(body.models).toHaveLength(200);
    }
  });

  it('sniffs a protocol from bytes that trickle in, and handles large bodies', async () => {
    // "P" could start "PRI * HTTP/2.0" or "POST": the server must wait for more bytes.
    const { port } = server;
    const raw = await new Promise<string>((resolve, reject) => {
      const sock = net.connect(port, '127.0.0.1', () => {
        sock.write('P');
        setTimeout(() => {
          sock.write(
            'OST /switchyard.v1.RouterService/ListModels HTTP/1.1\r\nhost: x\r\n' +
              'content-type: application/json\r\ncontent-length: 15\r\nconnection: close\r\n\r\n',
          );
          setTimeout(() => sock.write('{"pageSize": 2}'), 30);
        }, 30);
      });
      let data = '';
      sock.setEncoding('utf8');
      sock.on('data', (c: string) => (data += c));
      sock.on('end', () => resolve(data));
      sock.on('error', reject);
    });
    expect(raw.startsWith('HTTP/1.1 200')).toBe(true);
    expect(raw).toContain('"m-1"');
    const big = 'y'.repeat(300_000);
    const res = await fetch(`${baseUrl}/switchyard.v1.RouterService/Route`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'big', messages: [{ content: big }] }),
    });
    const body = (await res.json()) as { candidates: { model: string }[] };
    expect(body.candidates[0]?.model).toHaveLength(300_000);
  });

  it('enforces readMaxBytes', async () => {
    const res = await fetch(`${baseUrl}/switchyard.v1.RouterService/Route`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'x'.repeat(2 * 1024 * 1024) }),
    });
    const body = (await res.json()) as { code: string };
    expect(body.code).toBe('resource_exhausted');
  });

  it('serves a grpc-js client (gRPC over h2c prior knowledge)', async () => {
    const def = protoLoader.loadSync('switchyard/v1/router.proto', {
      includeDirs: [PROTO_DIR],
      keepCase: true,
      longs: String,
      enums: String,
      defaults: true,
    });
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const pkg = grpc.loadPackageDefinition(def) as any;
    const client = new pkg.switchyard.v1.RouterService(server.address, grpc.credentials.createInsecure());
    const md = new grpc.Metadata();
    md.set('authorization', 'Bearer g');
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const res: any = await new Promise((resolve, reject) =>
      client.Route({ model: 'm3' }, md, (err: Error | null, r: unknown) => (err ? reject(err) : resolve(r))),
    );
    client.close();
    expect(res.decision_id).toBe('auth=Bearer g');
  });
});

describe('close()', () => {
  it('lets in-flight streams finish within the grace period (h2 and HTTP/1.1)', async () => {
    const s = await startHttpServer({
      address: '127.0.0.1:0',
      routes: (router) => router.service(RouterService, testRouterImpl),
      readMaxBytes: 1024 * 1024,
    });
    const url = `http://${s.address}`;
    const sm = new Http2SessionManager(url);
    const h2 = createClient(RouterService, createConnectTransport({ baseUrl: url, httpVersion: '2', sessionManager: sm }));
    const h1 = createClient(RouterService, createConnectTransport({ baseUrl: url, httpVersion: '1.1' }));
    const count = async (it: AsyncIterable<unknown>) => {
      let n = 0;
      for await (const _ of it) n++;
      return n;
    };
    const a = count(h2.chat({ model: 'events:6:40' }));
    const b = count(h1.chat({ model: 'events:6:40' }));
    await new Promise((r) => setTimeout(r, 60));
    const t0 = Date.now();
    await s.close(5000);
    expect(Date.now() - t0).toBeLessThan(1000); // ended when the streams did, not at grace
    expect(await a).toBe(6);
    expect(await b).toBe(6);
    sm.abort();
  });

  it('does not hang on open h2 and HTTP/1.1 streams, and aborts the impls', async () => {
    const s = await startHttpServer({
      address: '127.0.0.1:0',
      routes: (router) => router.service(RouterService, testRouterImpl),
      readMaxBytes: 1024 * 1024,
    });
    const url = `http://${s.address}`;
    const sm = new Http2SessionManager(url);
    const h2 = createClient(RouterService, createConnectTransport({ baseUrl: url, httpVersion: '2', sessionManager: sm }));
    const h1 = createClient(RouterService, createConnectTransport({ baseUrl: url, httpVersion: '1.1' }));
    const drain = async (it: AsyncIterable<unknown>) => {
      try {
        for await (const _ of it);
      } catch {
        // cut by the shutdown: expected
      }
    };
    const a = h2.chat({ model: 'events:1000:20', requestId: 'hclose-h2' })[Symbol.asyncIterator]();
    const b = h1.chat({ model: 'events:1000:20', requestId: 'hclose-h1' })[Symbol.asyncIterator]();
    await a.next();
    await b.next();
    // An idle keep-alive HTTP/1.1 socket must not hold close() either.
    await fetch(`${url}/healthz`);
    const t0 = Date.now();
    const rest = Promise.all([drain({ [Symbol.asyncIterator]: () => a }), drain({ [Symbol.asyncIterator]: () => b })]);
    await s.close(200);
    expect(Date.now() - t0).toBeLessThan(2000);
    await rest;
    sm.abort();
    await waitFor(() => records.get('hclose-h2')?.finallyRan === true && records.get('hclose-h1')?.finallyRan === true);
    expect(records.get('hclose-h2')?.aborted).toBe(true);
    expect(records.get('hclose-h1')?.aborted).toBe(true);
  });
});
