// Merges stream events that are ALREADY available into one: consecutive text deltas, and
// consecutive argument fragments of the same tool call. Tokens that arrive in one upstream
// network chunk (common: upstreams and proxies batch SSE events) then cost one gRPC message
// instead of one each, while a token that arrives alone is forwarded at once: the only wait
// is one setImmediate turn, and only when a delta is pending. The first content event of a
// stream is never held: time to first token is what callers feel.
import type { ExecEvent } from './executor.js';

const TICK = Symbol('tick');
const tick = () => new Promise<typeof TICK>((resolve) => setImmediate(resolve, TICK));

type Delta = Extract<ExecEvent, { type: 'delta' }>;
type ToolFragment = Extract<ExecEvent, { type: 'tool_call' }>;

function merge(a: ExecEvent, b: ExecEvent): ExecEvent | undefined {
  if (a.type === 'delta' && b.type === 'delta') {
    const reasoning = (a.reasoning ?? '') + (b.reasoning ?? '');
    return { type: 'delta', text: a.text + b.text, ...(reasoning ? { reasoning } : {}) } satisfies Delta;
  }
  if (a.type === 'tool_call' && b.type === 'tool_call' && a.index === b.index && b.id === undefined && b.name === undefined) {
    return { ...a, argumentsDelta: a.argumentsDelta + b.argumentsDelta } satisfies ToolFragment;
  }
  return undefined;
}

export async function* coalesce(source: AsyncIterable<ExecEvent>): AsyncGenerator<ExecEvent> {
  const it = source[Symbol.asyncIterator]();
  let pending = it.next();
  let first = true;
  try {
    for (;;) {
      const head = await pending;
      if (head.done) return;
      let ev = head.value;
      pending = it.next();
      if (ev.type === 'delta' || ev.type === 'tool_call') {
        if (first) {
          first = false;
          yield ev;
          continue;
        }
        // One turn of the event loop for the whole batch: what is already decoded arrives
        // through microtasks before it.
        const turn = tick();
        for (;;) {
          const next = await Promise.race([pending, turn]);
          if (next === TICK || next.done) break;
          const merged = merge(ev, next.value);
          if (!merged) break; // `pending` holds it: the outer loop yields it next
          ev = merged;
          pending = it.next();
        }
      }
      yield ev;
    }
  } finally {
    await it.return?.();
  }
}
