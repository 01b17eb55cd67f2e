// Two extra phases of bench:chat.
//  - Scaling: Switchyard against the logic-free floor gateway at several concurrencies, in
//    interleaved rounds, each row keeping its best round: the ratio says whether Switchyard's
//    own cost per request grows with concurrency (GC, queues, pools) while the floor's does not.
//  - Memory: many concurrent streams held open by a slow upstream, with Switchyard's resident
//    set sampled from /proc while they run and after they end.
import { readFileSync } from 'node:fs';

export interface ScaleRow {
  concurrency: number;
  switchyardRps: number;
  floorRps: number;
  ratio: number;
}

type Run = () => Promise<unknown>;

async function closedLoop(run: Run, concurrency: number, durationMs: number): Promise<number> {
  let done = 0;
  const t0 = performance.now();
  const end = t0 + durationMs;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) {
        await run();
        done++;
      }
    }),
  );
  return done / ((performance.now() - t0) / 1000);
}

export async function scaling(
  switchyard: Run,
  floor: Run,
  concurrencies: number[],
  rounds: number,
  durationMs: number,
): Promise<ScaleRow[]> {
  const out: ScaleRow[] = [];
  for (const c of concurrencies) {
    // One short warm-up at this concurrency for both: more in-flight calls, new pool sockets.
    await closedLoop(switchyard, c, 1000);
    await closedLoop(floor, c, 1000);
    let sy = 0;
    let fl = 0;
    for (let i = 0; i < rounds; i++) {
      sy = Math.max(sy, await closedLoop(switchyard, c, durationMs));
      fl = Math.max(fl, await closedLoop(floor, c, durationMs));
    }
    out.push({ concurrency: c, switchyardRps: Math.round(sy), floorRps: Math.round(fl), ratio: Number((sy / fl).toFixed(3)) });
  }
  return out;
}

/** Resident set of a process in MB (Linux /proc). */
export function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : Number.NaN;
}

export interface MemoryFigures {
  streams: number;
  before_mb: number;
  peak_mb: number;
  after_mb: number;
  completed: number;
}

/**
 * `streams` concurrent calls of `run` (each held open by the slow upstream), RSS of `pid`
 * sampled every 100 ms; "after" is read once the calls have ended and the process idled.
 */
export async function memory(pid: number, run: Run, streams: number, settleMs: number): Promise<MemoryFigures> {
  const before = rssMb(pid);
  let peak = before;
  const sampler = setInterval(() => {
    peak = Math.max(peak, rssMb(pid));
  }, 100);
  const results = await Promise.allSettled(Array.from({ length: streams }, () => run()));
  clearInterval(sampler);
  await new Promise((r) => setTimeout(r, settleMs));
  const after = rssMb(pid);
  const round = (x: number) => Number(x.toFixed(1));
  return {
    streams,
    before_mb: round(before),
    peak_mb: round(Math.max(peak, after)),
    after_mb: round(after),
    completed: results.filter((r) => r.status === 'fulfilled').length,
  };
}
