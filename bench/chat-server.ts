// Child process of bench/chat.ts: a Switchyard replica (in-memory PGlite) whose only provider
// is the fake upstream at BENCH_UPSTREAM. Prints `PORT <grpc port>`.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startApp } from '../src/app/app.js';
import { loadConfig } from '../src/config/load.js';
import { silentLogger } from '../src/log.js';
import { profileUntilSigterm } from './lib/profile.js';

const dir = mkdtempSync(join(tmpdir(), 'sy-bench-chat-'));
const configPath = join(dir, 'switchyard.yaml');
writeFileSync(
  configPath,
  `providers:
  - { id: openai, kind: openai, base_url: "${process.env.BENCH_UPSTREAM}/v1", api_key_env: OPENAI_KEY }
tenants:
  - { id: bench, keys: [{ key_env: BENCH_KEY }] }
`,
);
const config = loadConfig(
  {
    config: configPath,
    grpcListen: '127.0.0.1:0',
    httpListen: '127.0.0.1:0',
    dataDir: 'memory://',
    databaseUrl: process.env.BENCH_DATABASE_URL || undefined,
  },
  process.env,
);
const app = await startApp({ config, log: silentLogger });
process.stdout.write(`PORT ${app.grpcPort}\n`);
await profileUntilSigterm();
