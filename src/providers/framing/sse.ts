// Server-sent events, decoded once for every SSE provider (OpenAI, Anthropic, Gemini alt=sse,
// OpenRouter, vLLM, llama.cpp). eventsource-parser implements the WHATWG line rules (LF, CRLF
// and CR, comment lines, multi-line data); a streaming TextDecoder in front of it keeps a
// multi-byte UTF-8 character intact when the network splits it across two chunks.
import { createParser, type EventSourceMessage } from 'eventsource-parser';

export interface SseMessage {
  event: string | undefined;
  data: string;
  id: string | undefined;
}

/** Bytes split anywhere (even inside a multi-byte UTF-8 char), LF/CRLF/CR, comment lines ignored. */
export async function* sseMessages(body: AsyncIterable<Uint8Array>): AsyncGenerator<SseMessage> {
  const decoder = new TextDecoder('utf-8');
  // The parser calls back synchronously from feed(); collect then yield after each feed.
  let pending: SseMessage[] = [];
  const parser = createParser({
    onEvent(e: EventSourceMessage) {
      pending.push({ event: e.event, data: e.data, id: e.id });
    },
    onError(err) {
      // Old llama.cpp builds send a non-standard `error: {…}` field instead of `data:`; a
      // spec parser drops it, which would turn an upstream error into a silent truncation.
      // Surface it as an `error` event so the adapter can classify it.
      if (err.type === 'unknown-field' && err.field === 'error' && err.value !== undefined) {
        pending.push({ event: 'error', data: err.value, id: undefined });
      }
    },
  });
  const drain = function* (): Generator<SseMessage> {
    const out = pending;
    pending = [];
    yield* out;
  };
  let last = '';
  for await (const chunk of body) {
    const text = decoder.decode(chunk, { stream: true });
    if (text) {
      parser.feed(text);
      last = text;
    }
    yield* drain();
  }
  const tail = decoder.decode();
  if (tail) {
    parser.feed(tail);
    last = tail;
  }
  // A final CR may be the first half of a CRLF, so the parser holds it until more text comes;
  // at EOF it is known to be a whole line ending. ("\n" completes it without adding a line.)
  if (last.endsWith('\r')) parser.feed('\n');
  // An event not terminated by a blank line at EOF is discarded, as the SSE spec says: a
  // truncated stream must look truncated to the adapter, not like a complete final event.
  yield* drain();
}
