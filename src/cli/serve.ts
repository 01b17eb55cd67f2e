// `switchyard serve`: runs until SIGINT/SIGTERM, then drains both listeners and exits.
import { startApp } from '../app/app.js';
import { loadConfig, type ConfigFlags } from '../config/load.js';
import { createLogger } from '../log.js';

export async function serveCommand(flags: ConfigFlags): Promise<number> {
  const log = createLogger();
  const config = loadConfig(flags);
  const app = await startApp({ config, log });
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      log.info('shutting down', { signal });
      resolve();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await app.close(10_000);
  log.info('stopped');
  return 0;
}
