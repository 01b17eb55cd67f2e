// TLS on both listeners with client-certificate verification (mutual TLS), certificates made
// by openssl for the test: HTTP/1.1 and HTTP/2 (ALPN) and gRPC answer a client that trusts the
// CA and presents a client certificate, refuse one that presents none, and pick up a new
// server certificate (from another CA) when the files change, without a restart.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import * as http2 from 'node:http2';
import * as https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { startApp, type App } from '../../src/app/app.js';
import { loadConfig } from '../../src/config/load.js';
import { createLogger } from '../../src/log.js';
import { freshPostgres, type FreshPostgres } from '../helpers/db.js';
import { call, LOADER_OPTIONS, ROOT, type Any } from '../e2e/fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'sy-tls-'));
const at = (name: string) => join(dir, name);
let db: FreshPostgres;
let app: App;

const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });

/** A CA, and a certificate for 127.0.0.1/localhost (or a client) signed by it. */
function makeCa(name: string): void {
  openssl(
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-days',
    '2',
    '-subj',
    `/CN=${name}`,
    '-keyout',
    `${name}.key`,
    '-out',
    `${name}.crt`,
  );
}
function makeCert(name: string, ca: string, ext: string): void {
  openssl(
    'req',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-subj',
    `/CN=${name}`,
    '-keyout',
    `${name}.key`,
    '-out',
    `${name}.csr`,
  );
  writeFileSync(at(`${name}.ext`), ext);
  openssl(
    'x509',
    '-req',
    '-in',
    `${name}.csr`,
    '-CA',
    `${ca}.crt`,
    '-CAkey',
    `${ca}.key`,
    '-CAcreateserial',
    '-days',
    '2',
    '-extfile',
    `${name}.ext`,
    '-out',
    `${name}.crt`,
  );
}
const SERVER_EXT = 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n';

beforeAll(async () => {
  makeCa('ca1');
  makeCa('ca2');
  makeCert('server1', 'ca1', SERVER_EXT);
  makeCert('server2', 'ca2', SERVER_EXT);
  makeCert('client', 'ca1', 'extendedKeyUsage=clientAuth\n');
  copyFileSync(at('server1.crt'), at('tls.crt'));
  copyFileSync(at('server1.key'), at('tls.key'));
  writeFileSync(
    at('switchyard.yaml'),
    `server: { tls: { cert_file: ${at('tls.crt')}, key_file: ${at('tls.key')}, client_ca_file: ${at('ca1.crt')}, require_client_cert: true, watch_interval_seconds: 0.1 } }\n`,
  );
  db = await freshPostgres();
  const config = loadConfig({ config: at('switchyard.yaml'), grpcListen: '127.0.0.1:0', httpListen: '127.0.0.1:0' }, {});
  app = await startApp({ config, db: db.db, env: {}, log: createLogger('error', () => undefined) });
}, 60_000);

afterAll(async () => {
  await app?.close(500);
  await db?.drop();
});

const file = (name: string) => readFileSync(at(name));
const clientCert = () => ({ cert: file('client.crt'), key: file('client.key') });

function httpsReady(ca: string, withClientCert: boolean): Promise<number> {
  return new Promise((resolve, reject) => {
    https
      .get(
        {
          host: '127.0.0.1',
          port: app.httpPort,
          path: '/healthz/ready',
          ca: file(ca),
          ...(withClientCert ? clientCert() : {}),
          agent: false,
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      )
      .on('error', reject);
  });
}

function h2Ready(ca: string): Promise<{ status: number; alpn: string | false | undefined }> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(`https://127.0.0.1:${app.httpPort}`, { ca: file(ca), ...clientCert() });
    session.on('error', reject);
    const req = session.request({ ':path': '/healthz/ready' });
    req.on('response', (headers) => {
      const alpn = session.alpnProtocol;
      req.resume();
      req.on('end', () => {
        session.close();
        resolve({ status: Number(headers[':status']), alpn });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

async function grpcHealth(ca: string, withClientCert: boolean): Promise<string> {
  const pkg: Any = grpc.loadPackageDefinition(
    protoLoader.loadSync(`${ROOT}node_modules/grpc-health-check/proto/health/v1/health.proto`, LOADER_OPTIONS),
  );
  const creds = withClientCert
    ? grpc.credentials.createSsl(file(ca), file('client.key'), file('client.crt'))
    : grpc.credentials.createSsl(file(ca));
  const client = new pkg.grpc.health.v1.Health(`127.0.0.1:${app.grpcPort}`, creds);
  try {
    return (await call(client, 'Check', { service: '' }, new grpc.Metadata(), { deadline: Date.now() + 5000 })).status;
  } finally {
    client.close();
  }
}

it('serves HTTP/1.1, HTTP/2 and gRPC over TLS to a client with a certificate', async () => {
  expect(await httpsReady('ca1.crt', true)).toBe(200);
  expect(await h2Ready('ca1.crt')).toEqual({ status: 200, alpn: 'h2' });
  expect(await grpcHealth('ca1.crt', true)).toBe('SERVING');
});

it('refuses a client without a certificate on both ports', async () => {
  await expect(httpsReady('ca1.crt', false)).rejects.toThrow();
  await expect(grpcHealth('ca1.crt', false)).rejects.toMatchObject({ code: grpc.status.UNAVAILABLE });
});

it('uses a new certificate once the files change, with no restart', async () => {
  copyFileSync(at('server2.key'), at('tls.key'));
  copyFileSync(at('server2.crt'), at('tls.crt'));
  await vi.waitFor(async () => expect(await httpsReady('ca2.crt', true)).toBe(200), { timeout: 10_000, interval: 100 });
  await vi.waitFor(async () => expect(await grpcHealth('ca2.crt', true)).toBe('SERVING'), { timeout: 10_000, interval: 100 });
  await expect(httpsReady('ca1.crt', true)).rejects.toThrow();
});
