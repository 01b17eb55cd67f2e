// Starts a real Switchyard replica on random loopback ports over a fresh Postgres database.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startApp, type App } from '../../src/app/app.js';
import { loadConfig } from '../../src/config/load.js';
import { createLogger, type Logger } from '../../src/log.js';
import { freshPostgres, type FreshPostgres } from './db.js';

export interface TestServer {
  app: App;
  pg: FreshPostgres;
  grpcAddress: string;
  httpUrl: string;
  /** Every log line the server wrote (to assert no secret leaks). */
  logs: string[];
  stop(): Promise<void>;
}

/**
 * `yaml` is a config file body; `env` is the server's whole environment (nothing is read from
 * process.env, so tests cannot leak into each other).
 */
export async function startTestServer(opts: { yaml?: string; env?: NodeJS.ProcessEnv; demo?: 'on' | 'auto' } = {}): Promise<TestServer> {
  const pg = await freshPostgres();
  const env: NodeJS.ProcessEnv = { ...opts.env };
  let configPath: string | undefined;
  if (opts.yaml) {
    configPath = join(mkdtempSync(join(tmpdir(), 'sy-e2e-')), 'switchyard.yaml');
    writeFileSync(configPath, opts.yaml);
  }
  const config = loadConfig({ config: configPath, grpcListen: '127.0.0.1:0', httpListen: '127.0.0.1:0' }, env);
  const logs: string[] = [];
  const log: Logger = createLogger('debug', (line) => logs.push(line));
  let app: App;
  try {
    app = await startApp({ config, log, db: pg.db, env, ...(opts.demo ? { demo: opts.demo } : {}) });
  } catch (err) {
    await pg.drop();
    throw err;
  }
  return {
    app,
    pg,
    grpcAddress: `127.0.0.1:${app.grpcPort}`,
    httpUrl: `http://127.0.0.1:${app.httpPort}`,
    logs,
    async stop() {
      await app.close(1000);
      await pg.drop();
    },
  };
}
