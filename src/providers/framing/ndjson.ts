// Newline-delimited JSON (Ollama native, TEI streams): one decoder for all. A streaming
// UTF-8 decoder (utf8.ts) keeps multi-byte characters split across chunks intact; lines may end in LF or
// CRLF; blank lines are skipped.
import { UpstreamError } from '../errors.js';
import { Utf8StreamDecoder } from './utf8.js';

/** Yields each parsed line (blank lines skipped); a malformed line throws UpstreamError('stream_interrupted', …). */
export async function* ndjsonValues(body: AsyncIterable<Uint8Array>): AsyncGenerator<unknown> {
  for await (const batch of ndjsonBatches(body)) yield* batch;
}

/**
 * The same values, as one array per network read (reads that complete no line skipped), as
 * sseBatches does for SSE: the streaming chat path pays its async-generator hops once per read
 * instead of once per token. The values parsed before a malformed line are yielded before it
 * is thrown, so what the upstream said before it broke still reaches the caller.
 */
export async function* ndjsonBatches(body: AsyncIterable<Uint8Array>): AsyncGenerator<unknown[]> {
  const reader = new NdjsonReader();
  for await (const chunk of body) {
    const batch: unknown[] = [];
    try {
      reader.push(chunk, batch);
    } catch (err) {
      if (batch.length > 0) yield batch;
      throw err;
    }
    if (batch.length > 0) yield batch;
  }
  const tail: unknown[] = [];
  reader.end(tail);
  if (tail.length > 0) yield tail;
}

/** Bytes in, the values of the lines they complete out. */
class NdjsonReader {
  readonly #decoder = new Utf8StreamDecoder();
  #buffer = '';

  push(chunk: Uint8Array, out: unknown[]): void {
    const text = this.#decoder.write(chunk);
    if (text === '') return;
    const buffer = this.#buffer + text;
    // Scan by index: slicing the buffer after every line would copy a read of many lines
    // once per line. The held-over part has no newline (it was scanned): search after it.
    let start = 0;
    let nl = buffer.indexOf('\n', this.#buffer.length);
    while (nl !== -1) {
      const value = parseLine(buffer.slice(start, nl));
      start = nl + 1;
      if (value !== SKIP) out.push(value);
      nl = buffer.indexOf('\n', start);
    }
    this.#buffer = buffer.slice(start);
  }

  end(out: unknown[]): void {
    const rest = this.#buffer + this.#decoder.end();
    this.#buffer = '';
    // A last line without its newline is still a complete value if it parses.
    const value = parseLine(rest);
    if (value !== SKIP) out.push(value);
  }
}

const SKIP = Symbol('skip');

function parseLine(raw: string): unknown {
  const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
  if (line.trim() === '') return SKIP;
  try {
    return JSON.parse(line) as unknown;
  } catch {
    // Only a prefix of the line goes into the message: enough to debug, bounded in size.
    throw new UpstreamError('stream_interrupted', `malformed JSON line in stream: ${line.slice(0, 120)}`);
  }
}
