// Both listeners on unix sockets (`unix:///path`): gRPC (health and a RouterService call) and
// HTTP (readiness) answer through the socket files, and a socket file left by a killed process
// does not stop the next start.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import * as http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { startApp, type App } from '../../src/app/app.js';
import { loadConfig } from '../../src/config/load.js';
import { createLogger } from '../../src/log.js';
import { unixSocketPath } from '../../src/server/unix-socket.js';
import { freshPostgres, type FreshPostgres } from '../helpers/db.js';
import { call, grpcClients, LOADER_OPTIONS, ROOT, type Any } from '../e2e/fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'sy-unix-'));
const grpcSock = join(dir, 'grpc.sock');
const httpSock = join(dir, 'http.sock');
let db: FreshPostgres;
let app: App;

beforeAll(async () => {
  // A stale socket file: its process died without removing it.
  spawnSync(process.execPath, [
    '-e',
    `require('net').createServer().listen(${JSON.stringify(httpSock)}, () => process.kill(process.pid, 'SIGKILL'))`,
  ]);
  expect(existsSync(httpSock)).toBe(true);
  db = await freshPostgres();
  const config = loadConfig({ grpcListen: `unix://${grpcSock}`, httpListen: `unix://${httpSock}` }, {});
  app = await startApp({ config, db: db.db, env: {}, log: createLogger('error', () => undefined) });
}, 60_000);

afterAll(async () => {
  await app?.close(500);
  await db?.drop();
});

it('serves HTTP on the socket file', async () => {
  const { status, body } = await new Promise<{ status: number; body: string }>((resolve, reject) => {
    http
      .get({ socketPath: httpSock, path: '/healthz/ready' }, (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on('error', reject);
  });
  expect(status).toBe(200);
  expect(JSON.parse(body)).toEqual({ status: 'ready' });
});

it('serves gRPC on the socket file', async () => {
  const pkg: Any = grpc.loadPackageDefinition(
    protoLoader.loadSync(`${ROOT}node_modules/grpc-health-check/proto/health/v1/health.proto`, LOADER_OPTIONS),
  );
  const health = new pkg.grpc.health.v1.Health(`unix://${grpcSock}`, grpc.credentials.createInsecure());
  const clients = grpcClients(`unix://${grpcSock}`);
  try {
    expect((await call(health, 'Check', { service: '' })).status).toBe('SERVING');
    // Dev mode (no keys): a unix socket counts as local, like loopback.
    const res = await call(clients.router, 'ModelMetadata', { model: 'openai/gpt-4o' });
    expect(res.model.id).toBe('openai/gpt-4o');
  } finally {
    health.close();
    clients.close();
  }
});

it('takes only absolute socket paths', () => {
  expect(unixSocketPath('unix:///run/sy.sock')).toBe('/run/sy.sock');
  expect(unixSocketPath('127.0.0.1:80')).toBeUndefined();
  expect(() => unixSocketPath('unix://relative.sock')).toThrow(/absolute path/);
});
