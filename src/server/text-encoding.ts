// protobuf-es encodes every string field through a TextEncoder by default. Node's Buffer is
// faster for the short strings of this API (ids, model names) because small buffers come from
// a shared pool (measured cheaper per Route response; docs/benchmarks.md). Process-wide, set once
// at start-up.
import { configureTextEncoding } from '@bufbuild/protobuf/wire';

let configured = false;

export function useNodeTextEncoding(): void {
  if (configured) return;
  configured = true;
  const strictDecoder = new TextDecoder('utf-8', { fatal: true });
  configureTextEncoding({
    encodeUtf8: (text) => Buffer.from(text, 'utf8') as Uint8Array<ArrayBuffer>,
    decodeUtf8: (bytes, strict) =>
      strict ? strictDecoder.decode(bytes) : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'),
    checkUtf8: (text) => text.isWellFormed(),
  });
}
