// SIGHUP re-reads the config file into the running server (`switchyard serve`), and
// `switchyard reload PID` sends it. An invalid file changes nothing: every error is logged and
// the running config stays. The handler goes in before start-up, because SIGHUP's default
// action ends the process; one that arrives while starting is applied once the server is up.
import type { App } from '../app/app.js';
import { ConfigError, loadConfig, type ConfigFlags } from '../config/load.js';
import type { Logger } from '../log.js';

export interface ReloadOnHangup {
  /** The server is up: a SIGHUP received while starting is applied now. */
  attach(app: App): void;
  detach(): void;
}

export function reloadOnHangup(flags: ConfigFlags, log: Logger, env: NodeJS.ProcessEnv = process.env): ReloadOnHangup {
  let app: App | undefined;
  let pending = false;
  const reload = async (target: App): Promise<void> => {
    let next: ReturnType<typeof loadConfig>;
    try {
      next = loadConfig(flags, env);
    } catch (err) {
      logRejected(log, err);
      return;
    }
    try {
      await target.reloadConfig(next);
      log.info('config reloaded', { config: next.configPath ?? null });
    } catch (err) {
      logRejected(log, err);
    }
  };
  const onHangup = () => {
    log.info('SIGHUP: re-reading the config file');
    if (app) void reload(app);
    else pending = true;
  };
  process.on('SIGHUP', onHangup);
  return {
    attach(a) {
      app = a;
      if (pending) void reload(a);
    },
    detach() {
      process.off('SIGHUP', onHangup);
    },
  };
}

/** One log line per error: a config file with several mistakes shows all of them. */
function logRejected(log: Logger, err: unknown): void {
  if (!(err instanceof ConfigError)) {
    log.error('config reload failed; the running config is kept', { error: err });
    return;
  }
  const [head, ...issues] = err.message.split('\n');
  const errors = issues.length > 0 ? issues.map((l) => l.trim()) : [head];
  for (const error of errors) log.error('config reload rejected; the running config is kept', { file: head, error });
}

/** `switchyard reload PID`: asks a running server to re-read its config file. */
export function reloadCommand(pid: string | undefined): number {
  const n = Number(pid);
  if (!pid || !Number.isInteger(n) || n <= 0) {
    process.stderr.write('usage: switchyard reload PID   (sends SIGHUP; systemd: systemctl reload switchyard)\n');
    return 2;
  }
  try {
    process.kill(n, 'SIGHUP');
  } catch (err) {
    process.stderr.write(`cannot signal process ${n}: ${(err as NodeJS.ErrnoException).code ?? err}\n`);
    return 1;
  }
  return 0;
}
