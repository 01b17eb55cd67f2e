#!/usr/bin/env node
// The `switchyard` command: serve, models list, models show ID, route.
import { ConfigError } from '../config/load.js';
import { SwitchyardError } from '../errors.js';
import { parse, USAGE } from './args.js';
import { modelsList, modelsShow, routeCommand } from './offline.js';
import { serveCommand } from './serve.js';
import { reloadCommand } from './reload.js';

async function main(argv: string[]): Promise<number> {
  let parsed: ReturnType<typeof parse>;
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
  if (cmd === 'serve') return serveCommand(flags, { demo: values.demo });
  if (cmd === 'models' && sub === 'list') return modelsList(flags, values);
  if (cmd === 'models' && sub === 'show' && arg) return modelsShow(flags, arg, values);
  if (cmd === 'route') return routeCommand(flags, values);
  if (cmd === 'reload') return reloadCommand(sub);
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
