// LISTEN on Postgres needs a connection of its own: a pooled client goes back to the pool
// (and stops receiving) after each query. One client serves every channel of a Db and is
// re-established with backoff when it drops, re-issuing LISTEN for every live channel.

import pg from 'pg';
import { assertChannel, type Unlisten } from './db.js';

type Callback = (payload: string) => void;

const BACKOFF_MIN_MS = 250;
const BACKOFF_MAX_MS = 5_000;

export class PgListener {
  readonly #channels = new Map<string, Set<Callback>>();
  #client: pg.Client | undefined;
  #connecting: Promise<pg.Client> | undefined;
  #retryTimer: NodeJS.Timeout | undefined;
  #backoffMs = BACKOFF_MIN_MS;
  #closed = false;

  constructor(
    private readonly config: pg.ClientConfig,
    private readonly onError: (err: Error) => void,
  ) {}

  async subscribe(channel: string, cb: Callback): Promise<Unlisten> {
    assertChannel(channel);
    if (this.#closed) throw new Error('database is closed');
    let set = this.#channels.get(channel);
    const first = set === undefined;
    if (!set) {
      set = new Set();
      this.#channels.set(channel, set);
    }
    set.add(cb);
    try {
      const client = await this.#connect();
      // LISTEN twice on one channel is harmless, so a concurrent reconnect that already
      // listened does no damage.
      if (first) await client.query(`LISTEN "${channel}"`);
    } catch (err) {
      this.#remove(channel, cb);
      throw err;
    }
    let done = false;
    return async () => {
      if (done) return;
      done = true;
      if (this.#remove(channel, cb) && this.#client) {
        await this.#client.query(`UNLISTEN "${channel}"`).catch(() => undefined);
      }
    };
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#retryTimer);
    this.#channels.clear();
    const client = this.#client ?? (await this.#connecting?.catch(() => undefined));
    this.#client = undefined;
    await client?.end().catch(() => undefined);
  }

  /** Removes one callback; true when that was the channel's last one. */
  #remove(channel: string, cb: Callback): boolean {
    const set = this.#channels.get(channel);
    if (!set?.delete(cb) || set.size > 0) return false;
    this.#channels.delete(channel);
    return true;
  }

  #connect(): Promise<pg.Client> {
    if (this.#client) return Promise.resolve(this.#client);
    this.#connecting ??= this.#open().finally(() => {
      this.#connecting = undefined;
    });
    return this.#connecting;
  }

  async #open(): Promise<pg.Client> {
    // No statement_timeout: this connection only runs LISTEN/UNLISTEN and then sits idle.
    // Its own application_name makes it easy to spot in pg_stat_activity.
    const client = new pg.Client({
      ...this.config,
      statement_timeout: undefined,
      application_name: 'switchyard:listen',
    });
    client.on('notification', (msg) => {
      const cbs = this.#channels.get(msg.channel);
      if (!cbs) return;
      for (const cb of [...cbs]) {
        try {
          cb(msg.payload ?? '');
        } catch (err) {
          this.onError(err as Error);
        }
      }
    });
    client.on('error', (err) => this.#lost(client, err));
    client.on('end', () => this.#lost(client, new Error('LISTEN connection ended')));
    try {
      await client.connect();
      for (const channel of this.#channels.keys()) await client.query(`LISTEN "${channel}"`);
    } catch (err) {
      await client.end().catch(() => undefined);
      throw err;
    }
    if (this.#closed) {
      await client.end().catch(() => undefined);
      throw new Error('database is closed');
    }
    this.#client = client;
    this.#backoffMs = BACKOFF_MIN_MS;
    return client;
  }

  #lost(client: pg.Client, err: Error): void {
    if (this.#client !== client) return;
    this.#client = undefined;
    if (this.#closed) return;
    this.onError(err);
    this.#scheduleReconnect();
  }

  #scheduleReconnect(): void {
    if (this.#closed || this.#channels.size === 0 || this.#retryTimer) return;
    const delay = this.#backoffMs;
    this.#backoffMs = Math.min(this.#backoffMs * 2, BACKOFF_MAX_MS);
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined;
      this.#connect().catch((e: Error) => {
        this.onError(e);
        this.#scheduleReconnect();
      });
    }, delay);
    // A pending reconnect must not keep the process alive on shutdown.
    this.#retryTimer.unref();
  }
}
