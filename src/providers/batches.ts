// Helpers for adapters that decode a stream in batches (ProviderAdapter.chatBatches).
import type { ChatEvent } from './types.js';

/** One event at a time: ProviderAdapter.chat over chatBatches (tests and simple callers). */
export async function* flattenBatches<T>(batches: AsyncIterable<T[]>): AsyncGenerator<T> {
  for await (const batch of batches) yield* batch;
}

/** Content: what commits a call to its upstream and what time to first token measures. */
export function isContent(e: ChatEvent): boolean {
  return e.type === 'delta' || e.type === 'tool_call';
}
