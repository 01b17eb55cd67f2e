// Dev mode: with no API key configured anywhere, a loopback server answers every caller as the
// single admin tenant "dev"; on a non-loopback address it refuses to start.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp } from '../../src/app/app.js';
import { ConfigError, loadConfig } from '../../src/config/load.js';
import { silentLogger } from '../../src/log.js';
import { startTestServer, type TestServer } from '../helpers/app.js';
import { freshPostgres } from '../helpers/db.js';
import { ADMIN_KEY, call, grpcClients, userMessage, type Clients } from './fixtures.js';

const DEV_YAML = `
providers:
  - id: local-llm
    kind: ollama
    base_url: http://127.0.0.1:9
`;

let server: TestServer;
let c: Clients;

beforeAll(async () => {
  server = await startTestServer({ yaml: DEV_YAML, env: {} });
  c = grpcClients(server.grpcAddress);
});

afterAll(async () => {
  c?.close();
  await server?.stop();
});

describe('dev mode on loopback', () => {
  it('starts in dev mode and says so in the log', () => {
    expect(server.app.devMode).toBe(true);
    expect(server.logs.some((l) => /DEV MODE/.test(l))).toBe(true);
  });

  it('answers gRPC calls without authorization, admin calls included', async () => {
    const res = await call(c.router, 'Route', { model: 'ollama/llama3', messages: [userMessage('hi')] });
    expect(res.candidates[0]).toMatchObject({ provider: 'local-llm', model: 'ollama/llama3' });
    const tenants = await call(c.admin, 'ListTenants', {});
    expect(tenants.tenants).toEqual([]);
  });

  it('answers Connect JSON without authorization', async () => {
    const res = await fetch(`${server.httpUrl}/switchyard.v1.RouterService/ModelMetadata`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'ollama/llama3' }),
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { model: unknown }).model).toMatchObject({ id: 'ollama/llama3', local: true });
  });
});

describe('dev mode off loopback', () => {
  async function tryStart(flags: { grpcListen: string; httpListen: string }, env: NodeJS.ProcessEnv) {
    const pg = await freshPostgres();
    try {
      const app = await startApp({ config: loadConfig(flags, env), db: pg.db, log: silentLogger, env });
      await app.close(100);
      return undefined;
    } catch (err) {
      return err;
    } finally {
      await pg.drop();
    }
  }

  it('refuses --grpc-listen 0.0.0.0 with no keys, naming the flag', async () => {
    const err = await tryStart({ grpcListen: '0.0.0.0:0', httpListen: '127.0.0.1:0' }, {});
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toMatch(/--grpc-listen 0\.0\.0\.0:0 is not a loopback address/);
    expect((err as Error).message).toMatch(/SWITCHYARD_ADMIN_KEY/);
  });

  it('refuses --http-listen 0.0.0.0 with no keys, naming the flag', async () => {
    const err = await tryStart({ grpcListen: '127.0.0.1:0', httpListen: '0.0.0.0:0' }, {});
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toMatch(/--http-listen/);
  });

  it('starts on 0.0.0.0 once an admin key is set', async () => {
    const err = await tryStart({ grpcListen: '0.0.0.0:0', httpListen: '0.0.0.0:0' }, { SWITCHYARD_ADMIN_KEY: ADMIN_KEY });
    expect(err).toBeUndefined();
  });
});
