// Streaming UTF-8 → text for upstream bodies, split anywhere by the network.
//
// The same text as a streaming `new TextDecoder('utf-8')` (one leading BOM dropped, U+FFFD for
// invalid or truncated sequences; property-tested against it in test/providers/framing.test.ts)
// at about a quarter of the CPU (Node's StringDecoder against TextDecoder on recorded SSE
// bodies), and every streamed response goes through this.
import { StringDecoder } from 'node:string_decoder';

export class Utf8StreamDecoder {
  readonly #decoder = new StringDecoder('utf8');
  #started = false;

  /** The text completed by `chunk` (a character split across chunks waits for its rest). */
  write(chunk: Uint8Array): string {
    return this.#first(this.#decoder.write(chunk));
  }

  /** The rest at end of stream: U+FFFD for a truncated character. */
  end(): string {
    return this.#first(this.#decoder.end());
  }

  /** TextDecoder drops one byte order mark at the start of the stream; StringDecoder keeps it. */
  #first(text: string): string {
    if (this.#started || text === '') return text;
    this.#started = true;
    return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  }
}
