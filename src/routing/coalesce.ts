// Merges stream events that are ALREADY available into one: consecutive text deltas, and
// consecutive argument fragments of the same tool call. Tokens that arrive in one upstream
// network chunk (common: upstreams and proxies batch SSE events) then cost one gRPC message
// instead of one each, while a token that arrives alone is forwarded at once: the only wait
// is one setImmediate turn, and only when a delta is pending. The first content event of a
// stream is never held: time to first token is what callers feel.
//
// The executor hands events over in batches (one per upstream network read): what arrived
// together merges synchronously, and the event-loop turn is awaited once per batch, not once
// per token.
import type { ExecEvent } from './executor.js';

const TICK = Symbol('tick');
const tick = () => new Promise<typeof TICK>((resolve) => setImmediate(resolve, TICK));

type Delta = Extract<ExecEvent, { type: 'delta' }>;
type ToolFragment = Extract<ExecEvent, { type: 'tool_call' }>;

function isContent(e: ExecEvent): e is Delta | ToolFragment {
  return e.type === 'delta' || e.type === 'tool_call';
}

/** Whether `b` continues `a`: consecutive deltas, or the next fragment of the same tool call. */
function mergeable(a: Delta | ToolFragment, b: ExecEvent): boolean {
  if (a.type === 'delta') return b.type === 'delta';
  return b.type === 'tool_call' && a.index === b.index && b.id === undefined && b.name === undefined;
}

/**
 * Appends a mergeable `b` to `held`, which must be owned (a copy): merging a run of n tokens
 * then allocates one object, not n.
 */
function absorb(held: Delta | ToolFragment, b: ExecEvent): void {
  if (held.type === 'delta') {
    const d = b as Delta;
    held.text += d.text;
    if (d.reasoning) held.reasoning = (held.reasoning ?? '') + d.reasoning;
  } else {
    held.argumentsDelta += (b as ToolFragment).argumentsDelta;
  }
}

/** An owned copy to merge into; a delta keeps `reasoning` only when it has some. */
function own(e: Delta | ToolFragment): Delta | ToolFragment {
  if (e.type === 'tool_call') return { ...e };
  return e.reasoning ? { type: 'delta', text: e.text, reasoning: e.reasoning } : { type: 'delta', text: e.text };
}

/** One event at a time in, one event at a time out (see coalesceBatches). */
export async function* coalesce(source: AsyncIterable<ExecEvent>): AsyncGenerator<ExecEvent> {
  yield* coalesceBatches(singletons(source));
}

async function* singletons<T>(source: AsyncIterable<T>): AsyncGenerator<T[]> {
  for await (const e of source) yield [e];
}

/** Batches of events in (never mutated), merged events out. */
export async function* coalesceBatches(source: AsyncIterable<readonly ExecEvent[]>): AsyncGenerator<ExecEvent> {
  const it = source[Symbol.asyncIterator]();
  let pending = it.next();
  let first = true;
  // A content event (an owned copy once it has absorbed another) that may absorb what follows.
  let held: Delta | ToolFragment | undefined;
  let owned = false;
  // The one event-loop turn `held` waits for what has not arrived yet.
  let turn: Promise<typeof TICK> | undefined;
  try {
    for (;;) {
      const next = held === undefined ? await pending : await Promise.race([pending, turn!]);
      if (next === TICK) {
        // Nothing more arrived within the turn: forward what is held; keep waiting for `pending`.
        const out = held!;
        held = undefined;
        turn = undefined;
        yield out;
        continue;
      }
      if (next.done) break;
      // The first content goes out before the rest of its read is decoded: pulling the next
      // batch now would make the adapter parse the whole read (hundreds of tokens) first.
      const firstHere = first && next.value.some(isContent);
      if (!firstHere) pending = it.next();
      for (const ev of next.value) {
        if (held !== undefined) {
          if (mergeable(held, ev)) {
            if (!owned) {
              held = own(held);
              owned = true;
            }
            absorb(held, ev);
            continue;
          }
          const out = held;
          held = undefined;
          turn = undefined;
          yield out;
        }
        if (!isContent(ev)) {
          yield ev;
        } else if (first) {
          first = false;
          yield ev;
          // One event-loop turn: the transport writes the first token to the socket before
          // this stream decodes the rest of the read.
          await tick();
        } else {
          held = ev;
          owned = false;
        }
      }
      if (firstHere) pending = it.next();
      turn ??= held === undefined ? undefined : tick();
    }
    if (held !== undefined) yield held;
  } finally {
    await it.return?.();
  }
}
