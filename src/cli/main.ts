#!/usr/bin/env node
// The `switchyard` command: serve, models list, models show ID, route.
import { parseArgs } from 'node:util';
import { ConfigError } from '../config/load.js';
import { SwitchyardError } from '../errors.js';
import { modelsList, modelsShow, routeCommand } from './offline.js';
import { serveCommand } from './serve.js';

const USAGE = `usage: switchyard <command> [flags]

commands:
  serve                      run the gRPC and HTTP listeners
  models list                list catalog models   [--provider P] [--kind chat|embedding] [--query Q] [--limit N] [--json]
  models show ID             one model's metadata  [--json]
  route --model M            plan a route offline  [--message TEXT] [--max-output N] [--strategy S] [--json]

common flags:
  --config FILE              YAML config (env SWITCHYARD_CONFIG)
  --grpc-listen HOST:PORT    gRPC listener (env SWITCHYARD_GRPC_LISTEN, default 127.0.0.1:50051)
  --http-listen HOST:PORT    HTTP listener (env SWITCHYARD_HTTP_LISTEN, default 127.0.0.1:8080)
  --data-dir DIR             embedded PGlite directory when DATABASE_URL is unset (env SWITCHYARD_DATA_DIR)
  --database-url URL         Postgres (env DATABASE_URL)
`;

const OPTIONS = {
  config: { type: 'string' },
  'grpc-listen': { type: 'string' },
  'http-listen': { type: 'string' },
  'data-dir': { type: 'string' },
  'database-url': { type: 'string' },
  provider: { type: 'string' },
  kind: { type: 'string' },
  query: { type: 'string' },
  limit: { type: 'string' },
  model: { type: 'string' },
  message: { type: 'string', multiple: true },
  'max-output': { type: 'string' },
  strategy: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export type CliValues = ReturnType<typeof parse>['values'];

function parse(argv: string[]) {
  return parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
}

async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parse(argv);
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  const [cmd, sub, arg] = positionals;
  if (values.help || !cmd) {
    process.stdout.write(USAGE);
    return values.help ? 0 : 2;
  }
  const flags = {
    config: values.config,
    grpcListen: values['grpc-listen'],
    httpListen: values['http-listen'],
    dataDir: values['data-dir'],
    databaseUrl: values['database-url'],
  };
  if (cmd === 'serve') return serveCommand(flags);
  if (cmd === 'models' && sub === 'list') return modelsList(flags, values);
  if (cmd === 'models' && sub === 'show' && arg) return modelsShow(flags, arg, values);
  if (cmd === 'route') return routeCommand(flags, values);
  process.stderr.write(`unknown command: ${positionals.join(' ')}\n\n${USAGE}`);
  return 2;
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code !== -1) process.exitCode = code;
  },
  (err) => {
    if (err instanceof ConfigError) process.stderr.write(`config error: ${err.message}\n`);
    else if (err instanceof SwitchyardError) process.stderr.write(`${err.kind}: ${err.message}\n`);
    else process.stderr.write(`error: ${(err as Error)?.stack ?? err}\n`);
    process.exitCode = 1;
  },
);
