// Shared by both backends: detects `db.query()` issued from inside that db's own open
// transaction callback. On PGlite (one session, calls serialised by a mutex) that call would
// wait for the transaction that is waiting for it: a silent deadlock. On Postgres it would run
// on another pooled connection, outside the transaction. Both backends throw instead, so the
// bug shows up in tests on either.

//
// The check needs AsyncLocalStorage, and on Node 20 the first AsyncLocalStorage.run() turns on
// a promise hook for the whole process, for good: every promise then pays for it (measured:
// a few percent of a Route call and more of a streamed Chat). So the guard is armed only under
// the test runner (VITEST) or with SWITCHYARD_TX_GUARD=1; in production it costs nothing.
import { AsyncLocalStorage } from 'node:async_hooks';

const ARMED = process.env.VITEST === 'true' || process.env.SWITCHYARD_TX_GUARD === '1';

interface Scope {
  open: boolean;
}

export class TxGuard {
  readonly #als = ARMED ? new AsyncLocalStorage<Scope>() : undefined;

  /** Throws when called from inside an open transaction callback of this db. */
  check(what: string): void {
    if (!this.#als) return;
    // A timer or promise created inside a transaction inherits its async context long after
    // COMMIT; `open` is cleared at the end so such late work is not refused.
    if (this.#als.getStore()?.open) {
      throw new Error(`${what} called inside a transaction callback of the same database: use the tx argument`);
    }
  }

  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (!this.#als) return fn();
    const scope: Scope = { open: true };
    try {
      return await this.#als.run(scope, fn);
    } finally {
      scope.open = false;
    }
  }
}

/** An error carrying SQLSTATE 25P02, thrown when COMMIT turns into ROLLBACK. */
export function transactionAborted(): Error {
  const err = new Error('transaction was rolled back instead of committed: a statement in it failed') as Error & { code: string };
  err.code = '25P02';
  return err;
}
