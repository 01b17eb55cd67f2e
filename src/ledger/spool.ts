// A local, append-only spool for records Postgres cannot take right now (issue 12 §4): the
// decision and ledger writers spill here when their in-memory queue is full, and replay it,
// oldest segment first, once Postgres answers again.
//
// Format: NDJSON segment files `<name>.<openedAtMs>.<pid>.<token>.<seq>.ndjson` in one
// directory; one JSON text per line (the caller encodes: bigints as strings, dates as ISO
// text). Each append is ONE write of all the lines given. A segment is replayed whole and then
// deleted; replay is at least once (a crash between a replayed batch and the delete replays
// it again), so what is spooled must be idempotent where it lands (decision ids; ledger batch
// keys). A torn last line (a crash mid-write) is skipped.
//
// Segments whose process is gone (a SIGKILL, a crash) are adopted by the next spool opened on
// the same directory and name; two live replicas adopting the same orphans at once both
// replay them, which idempotency makes harmless.
import { randomUUID } from 'node:crypto';
import { appendFile, mkdir, readdir, readFile, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';

export interface SpoolOptions {
  dir: string;
  /** One spool per kind of record: `decisions`, `ledger`. */
  name: string;
  /** Past this many bytes on disk, appends are refused (the caller drops and counts them). */
  maxBytes: number;
  /** A segment takes no more appends past this size. */
  segmentBytes?: number;
}

interface Segment {
  file: string;
  bytes: number;
  records: number;
}

/** Owner tokens of the spools open in this process: their files are not orphans. */
const LIVE = new Set<string>();
const DEFAULT_SEGMENT_BYTES = 4 * 1024 * 1024;

export class Spool {
  readonly #o: Required<SpoolOptions>;
  readonly #token = randomUUID().slice(0, 8);
  readonly #prefix: string;
  readonly #segments: Segment[] = [];
  /** The segment appends go to; undefined once it is being replayed. */
  #open: Segment | undefined;
  #seq = 0;
  #bytes = 0;
  #records = 0;
  /** Appends and replays run one at a time. */
  #lock: Promise<unknown> = Promise.resolve();
  #ready: Promise<void> | undefined;

  constructor(opts: SpoolOptions) {
    this.#o = { segmentBytes: DEFAULT_SEGMENT_BYTES, ...opts };
    this.#prefix = `${opts.name}.${Date.now()}.${process.pid}.${this.#token}`;
    LIVE.add(`${process.pid}.${this.#token}`);
  }

  /** Bytes and records on disk, not replayed yet. */
  get bytes(): number {
    return this.#bytes;
  }
  get records(): number {
    return this.#records;
  }

  /** Creates the directory and adopts orphaned segments. Called by the first append or replay. */
  open(): Promise<void> {
    this.#ready ??= this.#adopt();
    return this.#ready;
  }

  async #adopt(): Promise<void> {
    await mkdir(this.#o.dir, { recursive: true });
    const names = (await readdir(this.#o.dir)).filter((f) => f.startsWith(`${this.#o.name}.`) && f.endsWith('.ndjson')).sort();
    for (const file of names) {
      const [, , pid, token] = file.split('.');
      if (LIVE.has(`${pid}.${token}`) || (Number(pid) !== process.pid && alive(Number(pid)))) continue;
      const path = join(this.#o.dir, file);
      const text = await readFile(path, 'utf8').catch(() => undefined);
      if (text === undefined) continue; // adopted and removed by another replica meanwhile
      const { lines } = splitLines(text);
      this.#segments.push({ file: path, bytes: (await stat(path)).size, records: lines.length });
      this.#bytes += this.#segments.at(-1)!.bytes;
      this.#records += lines.length;
    }
  }

  /**
   * Appends `lines` (JSON texts without a newline) in one write. Returns how many were taken:
   * the rest would have passed the disk bound.
   */
  append(lines: readonly string[]): Promise<number> {
    return this.#serial(async () => {
      await this.open();
      let text = '';
      let bytes = 0;
      let taken = 0;
      for (const line of lines) {
        const size = Buffer.byteLength(line) + 1;
        if (this.#bytes + bytes + size > this.#o.maxBytes) break;
        text += `${line}\n`;
        bytes += size;
        taken++;
      }
      if (taken === 0) return 0;
      let seg = this.#open;
      if (!seg || seg.bytes >= this.#o.segmentBytes) {
        seg = { file: join(this.#o.dir, `${this.#prefix}.${String(this.#seq++).padStart(6, '0')}.ndjson`), bytes: 0, records: 0 };
        this.#segments.push(seg);
        this.#open = seg;
      }
      await appendFile(seg.file, text);
      seg.bytes += bytes;
      seg.records += taken;
      this.#bytes += bytes;
      this.#records += taken;
      return taken;
    });
  }

  /**
   * Replays up to `segments` segments, oldest first: `fn` gets the lines in order, at most
   * `batch` at a time. A segment is deleted once all its lines went through. Throws what `fn`
   * throws; the segment stays and is replayed again from its start next time.
   */
  replay(fn: (lines: string[]) => Promise<void>, batch: number, segments = Number.POSITIVE_INFINITY): Promise<number> {
    return this.#serial(async () => {
      await this.open();
      let done = 0;
      for (let n = 0; n < segments && this.#segments.length > 0; n++) {
        const seg = this.#segments[0]!;
        if (this.#open === seg) this.#open = undefined; // appends go to a new segment now
        const text = await readFile(seg.file, 'utf8').catch((err: NodeJS.ErrnoException) =>
          err.code === 'ENOENT' ? '' : Promise.reject(err),
        );
        const { lines } = splitLines(text);
        for (let i = 0; i < lines.length; i += batch) await fn(lines.slice(i, i + batch));
        await unlink(seg.file).catch(() => undefined);
        this.#segments.shift();
        this.#bytes -= seg.bytes;
        this.#records -= seg.records;
        done += lines.length;
      }
      return done;
    });
  }

  /** As if this process had died: its segments become orphans for the next spool. (Tests.) */
  detach(): void {
    LIVE.delete(`${process.pid}.${this.#token}`);
  }

  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#lock.then(fn, fn);
    this.#lock = run.catch(() => undefined);
    return run;
  }
}

/** Complete lines only: a text not ending in a newline lost its last line to a crash. */
function splitLines(text: string): { lines: string[] } {
  const parts = text.split('\n');
  parts.pop(); // '' after the last newline, or a torn line
  return { lines: parts.filter((l) => l.length > 0) };
}

function alive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
