// Shared by both backends: detects `db.query()` issued from inside that db's own open
// transaction callback. On PGlite (one session, calls serialised by a mutex) that call would
// wait for the transaction that is waiting for it: a silent deadlock. On Postgres it would run
// on another pooled connection, outside the transaction. Both backends throw instead, so the
// bug shows up in tests on either.

import { AsyncLocalStorage } from 'node:async_hooks';

interface Scope {
  open: boolean;
}

export class TxGuard {
  readonly #als = new AsyncLocalStorage<Scope>();

  /** Throws when called from inside an open transaction callback of this db. */
  check(what: string): void {
    // A timer or promise created inside a transaction inherits its async context long after
    // COMMIT; `open` is cleared at the end so such late work is not refused.
    if (this.#als.getStore()?.open) {
      throw new Error(
        `${what} called inside a transaction callback of the same database: use the tx argument`,
      );
    }
  }

  async run<T>(fn: () => Promise<T>): Promise<T> {
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
  const err = new Error(
    'transaction was rolled back instead of committed: a statement in it failed',
  ) as Error & { code: string };
  err.code = '25P02';
  return err;
}
