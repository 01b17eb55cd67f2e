// EmbedRequest (proto) → the Embed use case's intent; its outcome → EmbedResponse.
import { create } from '@bufbuild/protobuf';
import { EmbedRequestSchema, EmbedResponseSchema, type EmbedRequest, type EmbedResponse } from '../../gen/switchyard/v1/router_pb.js';
import type { EmbedIntent, EmbedOutcome } from '../calls/embed.js';
import { contextFromProto, requirementsFromProto } from './convert.js';
import { checkContextIds, checkModel, checkRequestId, checkRequirements, Violations } from './validate.js';

/** The providers' own batch limits are smaller; this bounds one request. */
const MAX_EMBED_INPUTS = 2048;

/** Validated (INVALID_ARGUMENT naming every bad field), then converted. */
export function embedIntentFromProto(req: EmbedRequest, maxMessageBytes: number, routes: Parameters<typeof checkModel>[3]): EmbedIntent {
  const v = new Violations();
  v.enums(EmbedRequestSchema, req);
  checkModel(v, req.model, 'model', routes);
  checkRequestId(v, req.requestId);
  checkContextIds(v, req.context);
  checkRequirements(v, req.requirements);
  if (req.inputs.length === 0) v.add('inputs', 'must contain at least one text');
  if (req.inputs.length > MAX_EMBED_INPUTS) v.add('inputs', `must contain at most ${MAX_EMBED_INPUTS} texts`);
  let bytes = 0;
  req.inputs.forEach((text, i) => {
    if (text === '') v.add(`inputs[${i}]`, 'must not be empty');
    bytes += text.length;
  });
  if (bytes > maxMessageBytes) v.add('inputs', `total size ${bytes} exceeds the limit of ${maxMessageBytes} bytes`);
  if (req.dimensions < 0n) v.add('dimensions', 'must not be negative');
  v.throwIfAny();
  return {
    model: req.model,
    inputs: req.inputs,
    dimensions: Number(req.dimensions),
    requirements: requirementsFromProto(req.requirements),
    context: contextFromProto(req.context, req.requestId),
  };
}

export function embedResponseToProto(r: EmbedOutcome): EmbedResponse {
  return create(EmbedResponseSchema, {
    embeddings: r.vectors.map((values) => ({ values })),
    provider: r.provider,
    model: r.model,
    usage: { inputTokens: BigInt(r.inputTokens), cost: r.cost, estimated: r.estimated },
    decisionId: r.decisionId,
  });
}
