// Admission control on one replica: concurrent Chat streams per tenant and in total, refused
// with RESOURCE_EXHAUSTED + RetryInfo on gRPC and 429 + retry-after on the OpenAI-compatible
// HTTP API; a slot comes back when a stream ends, and a SIGHUP-style config swap moves the cap.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import * as grpc from '@grpc/grpc-js';
import { fromBinary } from '@bufbuild/protobuf';
import { anyIs, anyUnpack } from '@bufbuild/protobuf/wkt';
import { RetryInfoSchema, ErrorInfoSchema } from '../../gen/google/rpc/error_details_pb.js';
import { StatusSchema } from '../../gen/google/rpc/status_pb.js';
import { loadConfig } from '../../src/config/load.js';
import { OpenAiFake } from '../fakes/openai.js';
import { startTestServer, type TestServer } from '../helpers/app.js';
import { bearer, grpcClients, userMessage, type Any, type Clients } from '../e2e/fixtures.js';

const KEYS = {
  acme: 'sy_acme_admission_key_0123456789',
  beta: 'sy_beta_admission_key_0123456789',
  gamma: 'sy_gamma_admission_key_012345678',
};
const openai = new OpenAiFake();
let server: TestServer;
let clients: Clients;
let yamlOf: (server: string) => string;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  const url = await openai.start();
  openai.script('hang', openai.render({ type: 'hang', text: 'thinking' }));
  openai.script('quick', openai.render({ type: 'text', text: 'done', usage: { inputTokens: 3, outputTokens: 1 } }));
  yamlOf = (serverBlock) => `
server: ${serverBlock}
providers:
  - { id: oai, kind: openai, base_url: "${url}/v1", api_key_env: OAI_KEY }
models:
  - { id: oai/hang, provider: oai, upstream_model: hang, context_window: 100000, max_output_tokens: 1000, capabilities: [streaming], pricing: { input: 1, output: 1 } }
  - { id: oai/quick, provider: oai, upstream_model: quick, context_window: 100000, max_output_tokens: 1000, capabilities: [streaming], pricing: { input: 1, output: 1 } }
tenants:
  - { id: acme, keys: [{ key_env: ACME_KEY }] }
  - { id: beta, keys: [{ key_env: BETA_KEY }] }
  - { id: gamma, keys: [{ key_env: GAMMA_KEY }] }
`;
  env = { OAI_KEY: 'sk-test', ACME_KEY: KEYS.acme, BETA_KEY: KEYS.beta, GAMMA_KEY: KEYS.gamma };
  server = await startTestServer({ yaml: yamlOf('{ max_concurrent_calls: 2, max_concurrent_calls_per_tenant: 1 }'), env });
  clients = grpcClients(server.grpcAddress);
}, 60_000);

afterAll(async () => {
  clients?.close();
  await server?.stop();
  await openai.stop();
});

/** Opens a Chat stream and resolves once its first delta arrived (it then hangs upstream). */
async function openStream(key: string): Promise<grpc.ClientReadableStream<Any>> {
  const stream = clients.router.Chat({ model: 'oai/hang', messages: [userMessage('hi')] }, bearer(key)) as grpc.ClientReadableStream<Any>;
  await new Promise<void>((resolve, reject) => {
    stream.on('data', (m: Any) => m.event === 'delta' && resolve());
    stream.on('error', reject);
  });
  stream.on('error', () => undefined); // the cancel at the end of the test
  return stream;
}

/** A Chat that must be refused: its gRPC error. */
function refusedChat(key: string): Promise<grpc.ServiceError> {
  return new Promise((resolve, reject) => {
    const stream = clients.router.Chat({ model: 'oai/quick', messages: [userMessage('hi')] }, bearer(key));
    stream.on('data', () => undefined);
    stream.on('error', resolve);
    stream.on('end', () => reject(new Error('the call was admitted')));
  });
}

function chatOk(key: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const stream = clients.router.Chat({ model: 'oai/quick', messages: [userMessage('hi')] }, bearer(key));
    stream.on('data', () => undefined);
    stream.on('error', reject);
    stream.on('end', resolve);
  });
}

function statusDetails(err: grpc.ServiceError): { reason?: string; scope?: string; retryMs?: number } {
  const raw = err.metadata.get('grpc-status-details-bin')[0] as Buffer;
  const out: { reason?: string; scope?: string; retryMs?: number } = {};
  for (const any of fromBinary(StatusSchema, raw).details) {
    if (anyIs(any, ErrorInfoSchema)) {
      const info = anyUnpack(any, ErrorInfoSchema)!;
      out.reason = info.reason;
      out.scope = info.metadata.scope;
    }
    if (anyIs(any, RetryInfoSchema)) {
      const d = anyUnpack(any, RetryInfoSchema)!.retryDelay!;
      out.retryMs = Number(d.seconds) * 1000 + d.nanos / 1e6;
    }
  }
  return out;
}

it('caps concurrent calls per tenant and per replica, and gives the slot back when a stream ends', async () => {
  const acme = await openStream(KEYS.acme);
  const refused = await refusedChat(KEYS.acme);
  expect(refused.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
  expect(statusDetails(refused)).toEqual({ reason: 'TOO_MANY_CONCURRENT_CALLS', scope: 'tenant', retryMs: 1000 });

  // The OpenAI-compatible API shares the same gate.
  const http = await fetch(`${server.httpUrl}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${KEYS.acme}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'oai/quick', messages: [{ role: 'user', content: 'hi' }] }),
  });
  expect(http.status).toBe(429);
  expect(http.headers.get('retry-after')).toBe('1');
  await http.text();

  // Another tenant fits under the replica's cap of 2; a third tenant does not.
  const beta = await openStream(KEYS.beta);
  const full = await refusedChat(KEYS.gamma);
  expect(full.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
  expect(statusDetails(full).scope).toBe('replica');
  expect(server.app.state.admission.inFlight()).toBe(2);

  acme.cancel();
  beta.cancel();
  await vi.waitFor(() => expect(server.app.state.admission.inFlight()).toBe(0), { timeout: 10_000 });
  await chatOk(KEYS.acme);
  await chatOk(KEYS.gamma);
  expect(server.app.state.admission.inFlight()).toBe(0);
});

it('a new config moves the caps for the next call', async () => {
  const acme = await openStream(KEYS.acme);
  expect((await refusedChat(KEYS.acme)).code).toBe(grpc.status.RESOURCE_EXHAUSTED);
  const path = join(mkdtempSync(join(tmpdir(), 'sy-admission-')), 'switchyard.yaml');
  writeFileSync(path, yamlOf('{ max_concurrent_calls_per_tenant: 2 }'));
  await server.app.reloadConfig(loadConfig({ config: path, grpcListen: '127.0.0.1:0', httpListen: '127.0.0.1:0' }, env));
  const second = await openStream(KEYS.acme);
  expect(server.app.state.admission.inFlight('acme')).toBe(2);
  acme.cancel();
  second.cancel();
  await vi.waitFor(() => expect(server.app.state.admission.inFlight()).toBe(0), { timeout: 10_000 });
});
