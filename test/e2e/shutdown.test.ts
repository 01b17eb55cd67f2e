// A Chat stream still open when the shutdown grace ends: on both ports the caller gets a
// `finish` saying the server is shutting down, then UNAVAILABLE (retryable), not a bare
// CANCELLED or a reset connection.
import { afterAll, beforeAll, expect, it } from 'vitest';
import * as grpc from '@grpc/grpc-js';
import { Code, ConnectError, createClient } from '@connectrpc/connect';
import { createConnectTransport } from '@connectrpc/connect-node';
import { type ChatResponse, FinishReason, RouterService } from '../../gen/switchyard/v1/router_pb.js';
import { Role } from '../../gen/switchyard/v1/common_pb.js';
import { OpenAiFake } from '../fakes/openai.js';
import { startTestServer, type TestServer } from '../helpers/app.js';
import { type Any, bearer, details, grpcClients, userMessage } from './fixtures.js';

const KEY = 'sy_acme_shutdown_key_0123456789';
const openai = new OpenAiFake();
let server: TestServer;

beforeAll(async () => {
  const url = await openai.start();
  // Sends one delta, then keeps the upstream stream open without ending it.
  openai.script('hang', openai.render({ type: 'hang', text: 'thinking' }));
  server = await startTestServer({
    yaml: `
providers:
  - { id: oai, kind: openai, base_url: "${url}/v1", api_key_env: OAI_KEY }
models:
  - { id: oai/hang, provider: oai, upstream_model: hang, context_window: 100000, max_output_tokens: 1000, capabilities: [streaming], pricing: { input: 1, output: 1 } }
tenants:
  - { id: acme, keys: [{ key_env: ACME_KEY }] }
`,
    env: { OAI_KEY: 'sk-test', ACME_KEY: KEY },
  });
}, 60_000);

afterAll(async () => {
  await server?.pg.drop();
  await openai.stop();
});

it('ends streams cut by the shutdown with a finish saying so, then UNAVAILABLE, on both ports', async () => {
  const clients = grpcClients(server.grpcAddress);
  const grpcEvents: Any[] = [];
  const grpcStream = clients.router.Chat(
    { model: 'oai/hang', messages: [userMessage('hi')] },
    bearer(KEY),
  ) as grpc.ClientReadableStream<Any>;
  const grpcEnd = new Promise<grpc.ServiceError | undefined>((resolve) => {
    grpcStream.on('data', (m: Any) => grpcEvents.push(m));
    grpcStream.on('error', (e: grpc.ServiceError) => resolve(e));
    grpcStream.on('end', () => resolve(undefined));
  });
  const grpcStarted = new Promise<void>((resolve) => grpcStream.on('data', (m: Any) => m.event === 'delta' && resolve()));

  const connect = createClient(RouterService, createConnectTransport({ baseUrl: server.httpUrl, httpVersion: '1.1' }));
  const connectEvents: ChatResponse[] = [];
  let connectStarted!: () => void;
  const connectStartedP = new Promise<void>((resolve) => (connectStarted = resolve));
  const connectEnd = (async () => {
    try {
      for await (const m of connect.chat(
        { model: 'oai/hang', messages: [{ role: Role.USER, content: 'hi' }] },
        { headers: { authorization: `Bearer ${KEY}` } },
      )) {
        connectEvents.push(m);
        if (m.event.case === 'delta') connectStarted();
      }
      return undefined;
    } catch (err) {
      return ConnectError.from(err);
    }
  })();

  await Promise.all([grpcStarted, connectStartedP]);
  // A short grace: both streams are still open when it ends.
  await server.app.close(50);

  const grpcErr = await grpcEnd;
  clients.close();
  expect(grpcErr?.code).toBe(grpc.status.UNAVAILABLE);
  expect(details(grpcErr!).errorInfo?.reason).toBe('SHUTTING_DOWN');
  const last = grpcEvents.at(-1);
  expect(last.event).toBe('finish');
  expect(last.finish).toMatchObject({ reason: 'FINISH_REASON_ERROR', error: { code: 'UNAVAILABLE' } });
  expect(last.finish.error.message).toContain('shutting down');

  const connectErr = await connectEnd;
  expect(connectErr?.code).toBe(Code.Unavailable);
  const end = connectEvents.at(-1)!.event;
  expect(end.case).toBe('finish');
  if (end.case === 'finish') {
    expect(end.value.reason).toBe(FinishReason.ERROR);
    expect(end.value.error?.code).toBe('UNAVAILABLE');
    expect(end.value.error?.message).toContain('shutting down');
  }
});
