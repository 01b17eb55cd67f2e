// POST /v1/embeddings: OpenAI's body → the Embed use case; vectors back as floats or as
// base64 (little-endian float32, what the official SDKs ask for by default and decode).
import type { Caller } from '../../calls/caller.js';
import { runEmbed } from '../../calls/embed.js';
import type { NodeRequest, NodeResponse } from '../http-server.js';
import { checkModel, Violations } from '../validate.js';
import { contextFromHeaders, DECISION_HEADER, NO_REQUIREMENTS, readJson, sendJson, type OpenAiApiDeps } from './http.js';

/** The providers' own batch limits are smaller; this bounds one request (as Embed on gRPC). */
const MAX_INPUTS = 2048;

type Obj = Record<string, unknown>;

export async function handleEmbeddings(req: NodeRequest, res: NodeResponse, caller: Caller, api: OpenAiApiDeps): Promise<void> {
  const body = await readJson(req, api.maxBodyBytes);
  const headers = contextFromHeaders(req.headers);
  const v = new Violations();
  const b: Obj = typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as Obj) : {};
  if (b !== body) v.add('body', 'must be a JSON object');
  const model = typeof b.model === 'string' ? b.model : '';
  checkModel(v, model, 'model', { rules: api.calls.snapshot().routes, tenant: caller.tenant, ...headers.context });
  let inputs: string[] = [];
  if (typeof b.input === 'string') inputs = [b.input];
  else if (Array.isArray(b.input) && b.input.every((x) => typeof x === 'string')) inputs = b.input as string[];
  else v.add('input', 'must be a string or an array of strings (token arrays are not supported)');
  if (Array.isArray(b.input) && inputs.length === 0) v.add('input', 'must contain at least one text');
  if (inputs.length > MAX_INPUTS) v.add('input', `must contain at most ${MAX_INPUTS} texts`);
  let bytes = 0;
  inputs.forEach((text, i) => {
    if (text === '') v.add(inputs.length === 1 && typeof b.input === 'string' ? 'input' : `input[${i}]`, 'must not be empty');
    bytes += text.length;
  });
  if (bytes > api.maxMessageBytes) v.add('input', `total size ${bytes} exceeds the limit of ${api.maxMessageBytes} bytes`);
  const format = b.encoding_format ?? 'float';
  if (format !== 'float' && format !== 'base64') v.add('encoding_format', 'must be "float" or "base64"');
  let dimensions = 0;
  if (b.dimensions !== undefined && b.dimensions !== null) {
    if (typeof b.dimensions === 'number' && Number.isInteger(b.dimensions) && b.dimensions >= 1 && b.dimensions <= 65_536)
      dimensions = b.dimensions;
    else v.add('dimensions', 'must be an integer between 1 and 65536');
  }
  v.throwIfAny();

  const abort = new AbortController();
  res.once('close', () => {
    if (!res.writableFinished) abort.abort(new DOMException('the client closed the connection', 'AbortError'));
  });
  const out = await runEmbed(
    {
      model,
      inputs,
      dimensions,
      requirements: NO_REQUIREMENTS,
      context: headers.context,
    },
    caller,
    api.calls,
    { signal: abort.signal },
  );
  sendJson(
    res,
    200,
    {
      object: 'list',
      data: out.vectors.map((vec, index) => ({ object: 'embedding', index, embedding: format === 'base64' ? base64Of(vec) : vec })),
      model: out.model,
      usage: { prompt_tokens: out.inputTokens, total_tokens: out.inputTokens },
    },
    { [DECISION_HEADER]: out.decisionId },
  );
}

/** Little-endian float32 whatever the machine's byte order, as OpenAI sends it. */
function base64Of(vector: number[]): string {
  const buf = Buffer.allocUnsafe(vector.length * 4);
  for (let i = 0; i < vector.length; i++) buf.writeFloatLE(vector[i]!, i * 4);
  return buf.toString('base64');
}
