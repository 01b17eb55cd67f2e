// The server's deadline per RPC kind: a Chat that sets no deadline gets the default, one that
// asks for more than the maximum is held to it; either ends with DEADLINE_EXCEEDED naming the
// server's deadline, on a real server in front of an upstream that never finishes.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import * as grpc from '@grpc/grpc-js';
import { effectiveDeadline } from '../../src/calls/deadlines.js';
import { loadConfig } from '../../src/config/load.js';
import { OpenAiFake } from '../fakes/openai.js';
import { startTestServer, type TestServer } from '../helpers/app.js';
import { bearer, details, grpcClients, userMessage, type Any, type Clients } from '../e2e/fixtures.js';

const KEY = 'sy_acme_deadline_key_0123456789';
const openai = new OpenAiFake();
let server: TestServer;
let clients: Clients;

beforeAll(async () => {
  const url = await openai.start();
  openai.script('hang', openai.render({ type: 'hang', text: 'thinking' }));
  server = await startTestServer({
    yaml: `
server: { deadlines: { chat: { default_seconds: 0.3, max_seconds: 0.6 } } }
providers:
  - { id: oai, kind: openai, base_url: "${url}/v1", api_key_env: OAI_KEY }
models:
  - { id: oai/hang, provider: oai, upstream_model: hang, context_window: 100000, max_output_tokens: 1000, capabilities: [streaming], pricing: { input: 1, output: 1 } }
tenants:
  - { id: acme, keys: [{ key_env: ACME_KEY }] }
`,
    env: { OAI_KEY: 'sk-test', ACME_KEY: KEY },
  });
  clients = grpcClients(server.grpcAddress);
}, 60_000);

afterAll(async () => {
  clients?.close();
  await server?.stop();
  await openai.stop();
});

function chatEnd(options: grpc.CallOptions): Promise<{ err?: grpc.ServiceError; events: Any[] }> {
  const events: Any[] = [];
  return new Promise((resolve) => {
    const stream = clients.router.Chat({ model: 'oai/hang', messages: [userMessage('hi')] }, bearer(KEY), options);
    stream.on('data', (m: Any) => events.push(m));
    stream.on('error', (err: grpc.ServiceError) => resolve({ err, events }));
    stream.on('end', () => resolve({ events }));
  });
}

it('a Chat with no deadline ends at the default with DEADLINE_EXCEEDED', async () => {
  const { err, events } = await chatEnd({});
  expect(events.some((e) => e.event === 'delta')).toBe(true);
  expect(events.at(-1)?.event).toBe('finish');
  expect(err?.code).toBe(grpc.status.DEADLINE_EXCEEDED);
  expect(details(err!).errorInfo?.reason).toBe('SERVER_DEADLINE_EXCEEDED');
  expect(details(err!).errorInfo?.metadata.deadline_ms).toBe('300');
  await vi.waitFor(() => expect(server.app.state.admission.inFlight()).toBe(0));
});

it('a Chat asking for longer than the maximum is held to the maximum', async () => {
  const { err } = await chatEnd({ deadline: Date.now() + 60_000 });
  expect(err?.code).toBe(grpc.status.DEADLINE_EXCEEDED);
  expect(details(err!).errorInfo?.metadata.deadline_ms).toBe('600');
});

describe('deadline config', () => {
  it('the earliest of the caller, the default and the maximum wins', () => {
    const p = { defaultMs: 10, maxMs: 20 };
    expect(effectiveDeadline(1000, undefined, p)).toBe(1010);
    expect(effectiveDeadline(1000, 1005, p)).toBe(1005);
    expect(effectiveDeadline(1000, 5000, p)).toBe(1020);
  });

  it('has defaults per kind, and a default above its maximum is a config error', () => {
    const c = loadConfig({}, {});
    expect(c.deadlines.chat.defaultMs).toBeLessThanOrEqual(c.deadlines.chat.maxMs);
    expect(c.deadlines.embed.maxMs).toBeLessThan(c.deadlines.chat.maxMs);
    const path = join(mkdtempSync(join(tmpdir(), 'sy-deadline-')), 'switchyard.yaml');
    writeFileSync(path, 'server: { deadlines: { embed: { default_seconds: 10, max_seconds: 5 } } }\n');
    expect(() => loadConfig({ config: path }, {})).toThrow(/server\.deadlines\.embed: default_seconds must not exceed max_seconds/);
  });
});
