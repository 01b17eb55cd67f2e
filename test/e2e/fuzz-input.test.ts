// Bad input gets a clean answer: for every RouterService and AdminService method, a valid
// request (random, from the contract) is encoded, its bytes mutated (flip, insert, delete,
// truncate), and sent raw over grpc-js, Connect binary and Connect JSON. Every answer must be
// OK or a typed client error, never INTERNAL or UNKNOWN, and the server must still serve a
// valid call afterwards.
import { afterAll, beforeAll, expect, it } from 'vitest';
import fc from 'fast-check';
import * as grpc from '@grpc/grpc-js';
import { create, toBinary, toJsonString, type DescMethod } from '@bufbuild/protobuf';
import { AdminService } from '../../gen/switchyard/v1/admin_pb.js';
import { RouterService } from '../../gen/switchyard/v1/router_pb.js';
import { messageInit } from '../helpers/proto-arbitrary.js';
import { startTestServer, type TestServer } from '../helpers/app.js';
import { ADMIN_KEY, bearer, call, grpcClients, SECRET_KEY } from './fixtures.js';

// No provider can be reached (connection refused at once), so a Chat or Embed that gets
// through validation fails fast and never leaves this machine.
const YAML = `
providers:
  - { id: local-llm, kind: ollama, base_url: "http://127.0.0.1:9" }
models:
  - { id: local-llm/llama3-8b, provider: local-llm, upstream_model: "llama3:8b", context_window: 8192, max_output_tokens: 2048, pricing: { input: 0, output: 0 }, local: true }
tenants:
  - { id: acme, name: Acme }
`;

/** What a caller may be told about its own bad or unlucky request. */
const ALLOWED = new Set([
  'ok',
  'invalid_argument',
  'not_found',
  'already_exists',
  'failed_precondition',
  'permission_denied',
  'unauthenticated',
  'resource_exhausted',
  'unimplemented',
  // An Embed that passed validation reaches the unreachable upstream.
  'unavailable',
]);

const METHODS: DescMethod[] = [...RouterService.methods, ...AdminService.methods];
const GRPC_NAMES = Object.fromEntries(Object.entries(grpc.status).map(([k, v]) => [v, k.toLowerCase()]));

let server: TestServer;
let client: grpc.Client;

beforeAll(async () => {
  server = await startTestServer({ yaml: YAML, env: { SWITCHYARD_ADMIN_KEY: ADMIN_KEY, SWITCHYARD_SECRET_KEY: SECRET_KEY } });
  client = new grpc.Client(server.grpcAddress, grpc.credentials.createInsecure());
}, 60_000);

afterAll(async () => {
  client?.close();
  await server?.stop();
});

const pass = (b: Buffer) => b;
const path = (m: DescMethod) => `/${m.parent.typeName}/${m.name}`;

/** Raw bytes over grpc-js; resolves with the status code's name. */
function sendGrpc(m: DescMethod, body: Buffer): Promise<string> {
  const md = bearer(ADMIN_KEY);
  const deadline = { deadline: Date.now() + 20_000 };
  return new Promise((resolve) => {
    if (m.methodKind === 'server_streaming') {
      const s = client.makeServerStreamRequest(path(m), pass, pass, body, md, deadline);
      s.on('data', () => undefined);
      s.on('status', (st: grpc.StatusObject) => resolve(GRPC_NAMES[st.code]!));
      s.on('error', () => undefined); // the status event carries the code
    } else {
      client.makeUnaryRequest(path(m), pass, pass, body, md, deadline, (err) => resolve(err ? GRPC_NAMES[err.code]! : 'ok'));
    }
  });
}

/** Raw bytes over Connect (unary, or enveloped for a stream); resolves with the code. */
async function sendConnect(m: DescMethod, body: Buffer, json: boolean): Promise<string> {
  const stream = m.methodKind === 'server_streaming';
  const type = `application/${stream ? 'connect+' : ''}${json ? 'json' : 'proto'}`;
  const payload = stream ? Buffer.concat([Buffer.from([0]), u32(body.length), body]) : body;
  const res = await fetch(`${server.httpUrl}${path(m)}`, {
    method: 'POST',
    headers: { 'content-type': type, authorization: `Bearer ${ADMIN_KEY}` },
    body: payload,
  });
  const bytes = Buffer.from(await res.arrayBuffer());
  if (!stream) return res.ok ? 'ok' : (JSON.parse(bytes.toString()) as { code: string }).code;
  // The end-of-stream envelope (flag 2) is the last one; it holds the error, if any.
  let at = 0;
  let end: { error?: { code: string } } = {};
  while (at + 5 <= bytes.length) {
    const len = bytes.readUInt32BE(at + 1);
    if (bytes[at] === 2) end = JSON.parse(bytes.subarray(at + 5, at + 5 + len).toString()) as typeof end;
    at += 5 + len;
  }
  return end.error?.code ?? 'ok';
}

/** The request as Connect JSON; a random value JSON cannot carry (e.g. a Timestamp with
 * negative nanos) is sent as the empty message. */
function jsonOf(m: DescMethod, msg: Parameters<typeof toJsonString>[1]): string {
  try {
    return toJsonString(m.input, msg);
  } catch {
    return '{}';
  }
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}

type Op =
  | { kind: 'flip'; at: number; bit: number }
  | { kind: 'insert'; at: number; byte: number }
  | { kind: 'delete'; at: number }
  | { kind: 'truncate'; at: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
);

function mutate(bytes: Uint8Array, ops: Op[]): Buffer {
  const b = [...bytes];
  for (const o of ops) {
    const at = b.length === 0 ? 0 : o.at % (b.length + (o.kind === 'insert' ? 1 : 0));
    if (o.kind === 'insert') b.splice(at, 0, o.byte);
    else if (b.length === 0) continue;
    else if (o.kind === 'flip') b[at]! ^= 1 << o.bit;
    else if (o.kind === 'delete') b.splice(at, 1);
    else b.length = at;
  }
  return Buffer.from(b);
}

const mutatedRequest = fc
  .constantFrom(...METHODS)
  .chain((m) => fc.tuple(fc.constant(m), messageInit(m.input, 2), fc.array(op, { minLength: 1, maxLength: 4 })));

it('answers mutated requests of every RPC with OK or a typed client error, on both ports', async () => {
  const seen: string[] = [];
  await fc.assert(
    fc.asyncProperty(mutatedRequest, async ([m, init, ops]) => {
      const msg = create(m.input, init);
      const binary = mutate(toBinary(m.input, msg), ops);
      const json = mutate(Buffer.from(jsonOf(m, msg)), ops);
      const answers = await Promise.all([sendGrpc(m, binary), sendConnect(m, binary, false), sendConnect(m, json, true)]);
      seen.push(...answers);
      for (const [i, code] of answers.entries()) {
        expect(ALLOWED.has(code), `${m.name} via ${['grpc', 'connect binary', 'connect json'][i]}: ${code}`).toBe(true);
      }
    }),
    // Bounded: a few thousand requests (three per run) in seconds.
    { numRuns: 700, endOnFailure: true },
  );
  // The mutations did reach the decoders: many bodies were refused as malformed.
  expect(seen.filter((c) => c === 'invalid_argument').length).toBeGreaterThan(100);
  // Still serving.
  const clients = grpcClients(server.grpcAddress);
  try {
    const res = await call(clients.router, 'ListModels', { page_size: 1 }, bearer(ADMIN_KEY));
    expect(res.models).toHaveLength(1);
  } finally {
    clients.close();
  }
}, 120_000);
