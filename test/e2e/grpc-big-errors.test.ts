// A refusal naming many bad fields, quoting a caller's non-ASCII text (a JSON parser's error
// may quote half a surrogate pair), still reaches a grpc-js client: a status whose message
// grpc-js cannot percent-encode, or whose trailers pass the client's metadata limit, is never
// delivered, and the caller waits out its deadline (found by the fuzz test).
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/app.js';
import { ADMIN_KEY, bearer, details, grpcClients, type Any, type Clients } from './fixtures.js';

let server: TestServer;
let c: Clients;
beforeAll(async () => {
  server = await startTestServer({ env: { SWITCHYARD_ADMIN_KEY: ADMIN_KEY } });
  c = grpcClients(server.grpcAddress);
}, 60_000);
afterAll(async () => {
  c?.close();
  await server?.stop();
});

it('a Chat refused for many long fields gets INVALID_ARGUMENT with bounded trailers, not a lost status', async () => {
  const long = '𝄞ü'.repeat(400);
  const req = {
    model: '',
    messages: [{ role: 'ROLE_UNSPECIFIED', content: 'x' }],
    context: { worker_id: long, task_type: long },
    tools: [{ name: long }, { name: long }],
    provider_options_json: long,
  };
  const err = await new Promise<grpc.ServiceError>((resolve, reject) => {
    const stream = c.router.Chat(req, bearer(ADMIN_KEY), { deadline: Date.now() + 15_000 }) as grpc.ClientReadableStream<Any>;
    stream.on('data', () => reject(new Error('expected a refusal')));
    stream.on('error', resolve);
    stream.on('end', () => reject(new Error('expected a refusal')));
  });
  expect(err.code).toBe(grpc.status.INVALID_ARGUMENT);
  expect(Buffer.byteLength(err.details)).toBeLessThanOrEqual(512);
  expect(details(err).errorInfo?.reason).toBe('INVALID_FIELD');
});
