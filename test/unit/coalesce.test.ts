import { describe, expect, it } from 'vitest';
import { coalesce, coalesceBatches } from '../../src/routing/coalesce.js';
import type { ExecEvent } from '../../src/routing/executor.js';

async function* from(events: ExecEvent[], gapAfter = new Set<number>()): AsyncGenerator<ExecEvent> {
  for (let i = 0; i < events.length; i++) {
    yield events[i]!;
    if (gapAfter.has(i)) await new Promise((r) => setTimeout(r, 5));
  }
}
async function all(it: AsyncIterable<ExecEvent>): Promise<ExecEvent[]> {
  const out: ExecEvent[] = [];
  for await (const e of it) out.push(e);
  return out;
}
const d = (text: string): ExecEvent => ({ type: 'delta', text });
const route: ExecEvent = { type: 'route', provider: 'p', model: 'm', upstreamModel: 'u', attempt: 1, dropped: [] };
const finish: ExecEvent = { type: 'finish', reason: 'stop' };

describe('coalesce', () => {
  it('passes the first token at once, merges what is already available after it', async () => {
    const out = await all(coalesce(from([route, d('a'), d('b'), d('c'), finish])));
    expect(out).toEqual([route, d('a'), d('bc'), finish]);
  });

  it('does not hold a token that arrives alone', async () => {
    const out = await all(coalesce(from([route, d('a'), d('b'), d('c'), finish], new Set([2]))));
    expect(out).toEqual([route, d('a'), d('b'), d('c'), finish]);
  });

  it('merges argument fragments of one tool call, never across calls', async () => {
    const t = (index: number, args: string, id?: string): ExecEvent => ({
      type: 'tool_call',
      index,
      argumentsDelta: args,
      ...(id ? { id, name: 'f' } : {}),
    });
    const out = await all(coalesce(from([t(0, '', 'a'), t(0, '{"x"'), t(0, ':1}'), t(1, '', 'b'), t(1, '{}'), finish])));
    // A call's first fragment (id, name) may absorb its following argument pieces.
    expect(out).toEqual([t(0, '', 'a'), t(0, '{"x":1}'), t(1, '{}', 'b'), finish]);
  });

  it('hands out the first token before it pulls the rest of the stream', async () => {
    // An adapter yields the first token of a read alone, then decodes the rest of the read
    // when pulled: that decoding must not happen before the first token has gone out.
    const log: string[] = [];
    async function* batches(): AsyncGenerator<ExecEvent[]> {
      yield [route];
      yield [d('a')];
      log.push('rest decoded');
      yield [d('b'), d('c'), finish];
    }
    const out: ExecEvent[] = [];
    for await (const e of coalesceBatches(batches())) {
      if (e.type === 'delta' && out.every((x) => x.type !== 'delta')) log.push('first token out');
      out.push(e);
    }
    expect(log).toEqual(['first token out', 'rest decoded']);
    expect(out).toEqual([route, d('a'), d('bc'), finish]);
  });
});
