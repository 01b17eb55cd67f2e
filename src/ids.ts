// Time-ordered ids (UUID version 7, RFC 9562) for the append-only tables: decisions and the
// usage ledger key on them, and a random UUID v4 would land every insert on a random page of
// the primary-key btree, which stops fitting in memory as the tables grow. v7 puts the
// millisecond timestamp first, so inserts append at the right edge. Node 20 has no built-in v7.
import { randomFillSync } from 'node:crypto';

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
// Random bytes drawn 256 ids at a time: one syscall per batch, not per id.
const pool = Buffer.alloc(16 * 256);
let offset = pool.length;

export function uuidv7(now = Date.now()): string {
  if (offset === pool.length) {
    randomFillSync(pool);
    offset = 0;
  }
  const b = pool.subarray(offset, offset + 16);
  offset += 16;
  // 48-bit big-endian Unix milliseconds, then version 7 and the RFC 4122 variant.
  b[0] = Math.floor(now / 2 ** 40) & 0xff;
  b[1] = Math.floor(now / 2 ** 32) & 0xff;
  b[2] = (now >>> 24) & 0xff;
  b[3] = (now >>> 16) & 0xff;
  b[4] = (now >>> 8) & 0xff;
  b[5] = now & 0xff;
  b[6] = (b[6]! & 0x0f) | 0x70;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = (i: number) => HEX[b[i]!]!;
  return `${h(0)}${h(1)}${h(2)}${h(3)}-${h(4)}${h(5)}-${h(6)}${h(7)}-${h(8)}${h(9)}-${h(10)}${h(11)}${h(12)}${h(13)}${h(14)}${h(15)}`;
}

/**
 * The Unix milliseconds a UUIDv7 carries in its first 48 bits, or undefined when `id` is not a
 * version 7 UUID. Used to find a decision's partition from its id alone (migration 0005).
 */
export function uuidv7Time(id: string): number | undefined {
  if (!UUIDV7.test(id)) return undefined;
  return Number.parseInt(id.slice(0, 8) + id.slice(9, 13), 16);
}

const UUIDV7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;
