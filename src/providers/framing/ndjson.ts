// Newline-delimited JSON (Ollama native, TEI streams): one decoder for all. A streaming
// UTF-8 decoder (utf8.ts) keeps multi-byte characters split across chunks intact; lines may end in LF or
// CRLF; blank lines are skipped.
import { UpstreamError } from '../errors.js';
import { Utf8StreamDecoder } from './utf8.js';

/** Yields each parsed line (blank lines skipped); a malformed line throws UpstreamError('stream_interrupted', …). */
export async function* ndjsonValues(body: AsyncIterable<Uint8Array>): AsyncGenerator<unknown> {
  const decoder = new Utf8StreamDecoder();
  let buffer = '';
  for await (const chunk of body) {
    buffer += decoder.write(chunk);
    let nl = buffer.indexOf('\n');
    while (nl !== -1) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      const value = parseLine(line);
      if (value !== SKIP) yield value;
      nl = buffer.indexOf('\n');
    }
  }
  buffer += decoder.end();
  // A last line without its newline is still a complete value if it parses.
  const value = parseLine(buffer);
  if (value !== SKIP) yield value;
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
