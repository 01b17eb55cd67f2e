// Server-sent events, decoded once for every SSE provider (OpenAI, Anthropic, Gemini alt=sse,
// OpenRouter, vLLM, llama.cpp). eventsource-parser implements the WHATWG line rules (LF, CRLF
// and CR, comment lines, multi-line data); a streaming UTF-8 decoder (utf8.ts) in front of it
// keeps a multi-byte character intact when the network splits it across two chunks.
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { Utf8StreamDecoder } from './utf8.js';

export interface SseMessage {
  event: string | undefined;
  data: string;
  id: string | undefined;
}

/** Bytes split anywhere (even inside a multi-byte UTF-8 char), LF/CRLF/CR, comment lines ignored. */
export async function* sseMessages(body: AsyncIterable<Uint8Array>): AsyncGenerator<SseMessage> {
  const reader = new SseReader();
  for await (const chunk of body) yield* reader.push(chunk);
  yield* reader.end();
}

/**
 * The same messages, as one array per network read (empty reads skipped). The streaming chat
 * path carries these batches through the pipeline: every async-generator hop costs promise
 * turns, and paying them once per read instead of once per token is most of its speed.
 */
export async function* sseBatches(body: AsyncIterable<Uint8Array>): AsyncGenerator<SseMessage[]> {
  const reader = new SseReader();
  for await (const chunk of body) {
    const batch = reader.push(chunk);
    if (batch.length > 0) yield batch;
  }
  const tail = reader.end();
  if (tail.length > 0) yield tail;
}

/** The decoder both generators share: bytes in, the messages they complete out. */
class SseReader {
  readonly #decoder = new Utf8StreamDecoder();
  #last = '';
  // The parser calls back synchronously from feed(); collect, then hand over after each feed.
  #pending: SseMessage[] = [];
  readonly #parser = createParser({
    onEvent: (e: EventSourceMessage) => {
      this.#pending.push({ event: e.event, data: e.data, id: e.id });
    },
    onError: (err) => {
      // Old llama.cpp builds send a non-standard `error: {…}` field instead of `data:`; a
      // spec parser drops it, which would turn an upstream error into a silent truncation.
      // Surface it as an `error` event so the adapter can classify it.
      if (err.type === 'unknown-field' && err.field === 'error' && err.value !== undefined) {
        this.#pending.push({ event: 'error', data: err.value, id: undefined });
      }
    },
  });

  push(chunk: Uint8Array): SseMessage[] {
    const text = this.#decoder.write(chunk);
    if (text) {
      this.#parser.feed(text);
      this.#last = text;
    }
    return this.#take();
  }

  end(): SseMessage[] {
    const tail = this.#decoder.end();
    if (tail) {
      this.#parser.feed(tail);
      this.#last = tail;
    }
    // A final CR may be the first half of a CRLF, so the parser holds it until more text comes;
    // at EOF it is known to be a whole line ending. ("\n" completes it without adding a line.)
    if (this.#last.endsWith('\r')) this.#parser.feed('\n');
    // An event not terminated by a blank line at EOF is discarded, as the SSE spec says: a
    // truncated stream must look truncated to the adapter, not like a complete final event.
    return this.#take();
  }

  #take(): SseMessage[] {
    const out = this.#pending;
    this.#pending = [];
    return out;
  }
}
