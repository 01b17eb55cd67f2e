// The `switchyard` command line: usage text, flags and their parsing. Its own file because the
// commands (offline.ts, serve.ts) read the parsed flags and main.ts dispatches to the commands.
import { parseArgs } from 'node:util';

export const USAGE = `usage: switchyard <command> [flags]

commands:
  serve                      run the gRPC and HTTP listeners   [--demo: add the demo provider, no keys needed]
  models list                list catalog models   [--provider P] [--kind chat|embedding] [--query Q] [--limit N] [--json]
  models show ID             one model's metadata  [--json]
  route --model M            plan a route offline  [--message TEXT] [--max-output N] [--strategy S] [--json]
  reload PID                 make a running server re-read its config file (sends SIGHUP)

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
  demo: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export type CliValues = ReturnType<typeof parse>['values'];

export function parse(argv: string[]) {
  return parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
}
