// Helpers for adapters that decode a stream in batches (ProviderAdapter.chatBatches).
import { UpstreamError } from './errors.js';
import type { ChatCall, ChatEvent, ProviderAdapter } from './types.js';

/** One item at a time over a batched stream. */
export async function* flattenBatches<T>(batches: AsyncIterable<T[]>): AsyncGenerator<T> {
  for await (const batch of batches) yield* batch;
}

/**
 * An adapter's chat stream one event at a time: chatBatches, flattened. For tests and callers
 * that do not care about the per-read grouping; the executor reads the batches themselves.
 */
export function chatEvents(adapter: Pick<ProviderAdapter, 'chatBatches'>, call: ChatCall): AsyncGenerator<ChatEvent> {
  return flattenBatches(adapter.chatBatches(call));
}

/** Content: what commits a call to its upstream and what time to first token measures. */
export function isContent(e: ChatEvent): boolean {
  return e.type === 'delta' || e.type === 'tool_call';
}

/**
 * Reads what is left of a finished stream and drops it, so the keep-alive socket goes back to
 * the pool instead of being destroyed. Failures are ignored: the caller already has the whole
 * answer, and a late socket error changes nothing about it.
 */
export async function drain(it: AsyncIterator<unknown>): Promise<void> {
  try {
    while (!(await it.next()).done) {
      // discard
    }
  } catch {
    // see above
  }
}

/**
 * The next batch of a stream body, where the body breaking off (a reset, the idle timeout: the
 * kinds http.ts gives a failed body) after the stream's terminal information reads as its end.
 * Once the finish reason and the usage are in, only the closing marker (Anthropic
 * `message_stop`, OpenAI `[DONE]`, the end of the HTTP body) is missing: the answer is whole,
 * and failing it would turn a complete, billed generation into an error. Before the terminal
 * information, or when the caller aborted, the failure is thrown as it is.
 */
export async function nextUnlessCut<T>(it: AsyncIterator<T>, terminal: () => boolean, signal: AbortSignal): Promise<IteratorResult<T>> {
  try {
    return await it.next();
  } catch (err) {
    const cut = err instanceof UpstreamError && (err.kind === 'stream_interrupted' || err.kind === 'timeout');
    if (cut && terminal() && !signal.aborted) return { done: true, value: undefined };
    throw err;
  }
}
