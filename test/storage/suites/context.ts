import type { Db } from '../../../src/store/db.js';
import type { BackendName } from '../../helpers/db.js';

/** Filled in by storage.test.ts's beforeAll; suites read it inside their tests. */
export interface StorageCtx {
  backend: BackendName;
  db: Db;
  /** Postgres only: URL of this file's fresh database, for a second "replica". */
  url?: string | undefined;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Polls `check` until it returns true or `timeoutMs` passes. */
export async function waitFor(check: () => boolean, timeoutMs = 5_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`condition not met within ${timeoutMs} ms`);
    await sleep(10);
  }
}

/** The SQLSTATE (or error class) a promise rejects with. */
export async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('expected the promise to reject');
}
