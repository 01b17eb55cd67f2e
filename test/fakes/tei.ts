// A tiny fake Hugging Face text-embeddings-inference (TEI) server: POST /embed {inputs} → one
// vector per input (always an array of arrays), 413 Validation past max_client_batch_size, and
// GET /info. Errors are `{"error","error_type"}` as TEI serializes them. See provider-wire.md §6.1.
import { startQueuedFake, type Plan, type QueuedFake } from './http-fake.js';

export type FakeTei = QueuedFake;

/** Deterministic per text, so tests can check order. */
export function teiVector(text: string): number[] {
  let h = 0;
  for (const ch of text) h = (h * 37 + (ch.codePointAt(0) ?? 0)) % 8_191;
  return [h / 8_191, (h + 1) / 8_191, (h + 2) / 8_191, (h + 3) / 8_191];
}

/** POST /embed {inputs} → [[…],…]; 413 Validation past `maxBatch` inputs, as TEI does. */
export function startFakeTei(maxBatch = 32): Promise<FakeTei> {
  return startQueuedFake((req): Plan => {
    if (req.method === 'GET' && req.path === '/info') {
      return {
        status: 200,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model_id: 'BAAI/bge-small-en-v1.5', max_client_batch_size: maxBatch, max_input_length: 512 }),
      };
    }
    if (req.method !== 'POST' || req.path !== '/embed') return { status: 404, headers: {}, body: '' };
    const inputs = (req.body as { inputs: string | string[] }).inputs;
    const list = Array.isArray(inputs) ? inputs : [inputs];
    if (list.length > maxBatch) {
      return {
        status: 413,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ error: `batch size ${list.length} > maximum allowed batch size ${maxBatch}`, error_type: 'Validation' }),
      };
    }
    return { status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(list.map((t) => teiVector(t))) };
  });
}
