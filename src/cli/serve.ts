// `switchyard serve`: runs until SIGINT/SIGTERM, then drains both listeners and exits.
import { startApp } from '../app/app.js';
import { loadConfig, type ConfigFlags } from '../config/load.js';
import { createLogger } from '../log.js';
import { reloadOnHangup } from './reload.js';

/** `demo`: --demo, the built-in demo provider (src/app/demo.ts); without it, on only in dev mode with no provider. */
export async function serveCommand(flags: ConfigFlags, opts: { demo?: boolean | undefined } = {}): Promise<number> {
  const log = createLogger();
  const config = loadConfig(flags);
  // The handlers go in before start-up: a SIGTERM that arrives between "switchyard serving"
  // and the end of startApp would otherwise kill the process by default, with nothing drained.
  const stopped = new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      log.info('shutting down', { signal });
      resolve();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  const hangup = reloadOnHangup(flags, log);
  const app = await startApp({ config, log, demo: opts.demo ? 'on' : 'auto' });
  hangup.attach(app);
  await stopped;
  hangup.detach();
  // The grace of the config in force (SWITCHYARD_SHUTDOWN_GRACE_SECONDS, server.shutdown_grace_seconds).
  await app.close(app.config().shutdownGraceMs);
  log.info('stopped');
  return 0;
}
