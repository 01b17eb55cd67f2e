// A Switchyard server as a separate OS process (`switchyard serve` through tsx), for tests
// that need real replicas: several processes on one database, SIGTERM drains, SIGKILL crashes.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface ServerProcess {
  proc: ChildProcess;
  grpcAddress: string;
  /** Every log line the process wrote (JSON). */
  logs: Record<string, unknown>[];
  exited: Promise<number | null>;
  /** SIGTERM and wait for a graceful exit. */
  stop(): Promise<number | null>;
  kill(): Promise<number | null>;
}

export async function spawnServer(opts: { configPath: string; env: NodeJS.ProcessEnv; timeoutMs?: number }): Promise<ServerProcess> {
  const proc = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'src/cli/main.ts',
      'serve',
      '--config',
      opts.configPath,
      '--grpc-listen',
      '127.0.0.1:0',
      '--http-listen',
      '127.0.0.1:0',
    ],
    { cwd: ROOT, env: { PATH: process.env.PATH, ...opts.env }, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  const logs: Record<string, unknown>[] = [];
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  const grpcAddress = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start: ${JSON.stringify(logs.slice(-5))}`)), opts.timeoutMs ?? 30_000);
    createInterface({ input: proc.stderr! }).on('line', (line) => {
      let entry: Record<string, unknown>;
      try {
        entry = JSON.parse(line) as Record<string, unknown>;
      } catch {
        entry = { raw: line };
      }
      logs.push(entry);
      if (entry.msg === 'switchyard serving') {
        clearTimeout(timer);
        resolve(String(entry.grpc));
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code} before serving: ${JSON.stringify(logs.slice(-5))}`));
    });
  });
  return {
    proc,
    grpcAddress,
    logs,
    exited,
    stop: () => {
      proc.kill('SIGTERM');
      return exited;
    },
    kill: () => {
      proc.kill('SIGKILL');
      return exited;
    },
  };
}
