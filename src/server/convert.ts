// proto ⇄ domain conversion for the router service. Domain enums are the lower-case names of
// the proto enum values (Capability.TOOLS ⇄ 'tools'), so one pair of helpers maps them all.
import { create } from '@bufbuild/protobuf';
import type { Capability as DomainCapability, ModelEntry, ParameterAvailability } from '../catalog/types.js';
import {
  Capability,
  ModelKind,
  Sensitivity,
  Strategy,
  type Message,
  type ModelInfo,
  ModelInfoSchema,
  type ParameterAvailability as ProtoParameterAvailability,
  type Requirements as ProtoRequirements,
  type RoutingContext,
} from '../../gen/switchyard/v1/common_pb.js';
import {
  CandidateSchema,
  type Candidate as ProtoCandidate,
  type Estimate as ProtoEstimate,
  EstimateSchema,
  ExclusionReason,
  ExclusionSchema,
  type Exclusion as ProtoExclusion,
} from '../../gen/switchyard/v1/router_pb.js';
import type { EstimableMessage } from '../routing/estimate.js';
import { NO_CONTEXT, type CallContext } from '../calls/plan-call.js';
import type { Candidate, Estimate, Exclusion, Requirements, Sensitivity as DomainSensitivity, StrategyName } from '../routing/types.js';

/** 'json_output' → EnumType.JSON_OUTPUT. */
function toProtoEnum<E extends Record<string, string | number>>(e: E, name: string): E[keyof E] {
  return e[name.toUpperCase() as keyof E];
}
/** EnumType.JSON_OUTPUT → 'json_output'. Callers validate values first (enum-check.ts). */
function fromProtoEnum<E extends Record<string | number, string | number>>(e: E, value: number): string {
  return String(e[value]).toLowerCase();
}

export const capabilityToProto = (c: DomainCapability): Capability => toProtoEnum(Capability, c);
export const capabilityFromProto = (c: Capability): DomainCapability => fromProtoEnum(Capability, c) as DomainCapability;
export const sensitivityFromProto = (s: Sensitivity): DomainSensitivity => fromProtoEnum(Sensitivity, s) as DomainSensitivity;
export const sensitivityToProto = (s: DomainSensitivity): Sensitivity => toProtoEnum(Sensitivity, s);
export const strategyToProto = (s: StrategyName): Strategy => toProtoEnum(Strategy, s);
export function strategyFromProto(s: Strategy): StrategyName | undefined {
  return s === Strategy.UNSPECIFIED ? undefined : (fromProtoEnum(Strategy, s) as StrategyName);
}
export const kindFromProto = (k: ModelKind): 'chat' | 'embedding' => (k === ModelKind.EMBEDDING ? 'embedding' : 'chat');

export function requirementsFromProto(r: ProtoRequirements | undefined): Requirements {
  return {
    capabilities: r ? r.capabilities.map(capabilityFromProto) : [],
    minContextTokens: r ? Number(r.minContextTokens) : 0,
    requiredParameters: r?.requiredParameters ?? [],
    allowedProviders: r?.allowedProviders ?? [],
    deniedProviders: r?.deniedProviders ?? [],
    allowedRegions: r?.allowedRegions ?? [],
    maxPricePerMillionTokens: r?.maxPricePerMillionTokens ?? 0n,
    maxLatencyMs: r ? Number(r.maxLatencyMs) : 0,
  };
}

/** Role names as chat APIs spell them (exact tokenizers count the role's tokens). */
const ROLE_NAMES = ['user', 'system', 'user', 'assistant', 'tool'];

/** Route's messages as the input estimate counts them (Chat converts its messages fully). */
export function estimableMessages(messages: readonly Message[]): EstimableMessage[] {
  return messages.map((m) => ({
    role: ROLE_NAMES[m.role] ?? 'user',
    name: m.name,
    toolCallId: m.toolCallId,
    content: m.content,
    parts: m.parts.map((p) => (p.part.case === 'text' ? { text: p.part.value } : { image: p.part.case === 'image' })),
    toolCalls: m.toolCalls.map((c) => ({ name: c.name, argumentsJson: c.argumentsJson })),
  }));
}

/** The routing context and request id of a request (validated by the caller). */
export function contextFromProto(c: RoutingContext | undefined, requestId: string): CallContext {
  if (!c) return requestId === '' ? NO_CONTEXT : { ...NO_CONTEXT, requestId };
  return {
    requestId,
    workerId: c.workerId,
    taskType: c.taskType,
    region: c.region,
    labels: c.labels,
    sensitivity: sensitivityFromProto(c.sensitivity),
  };
}

// Route responses are built as complete message literals rather than with `create()`: they
// are on the hot path, and create()'s reflective walk was a measurable share of a Route call.
// The `satisfies` clauses keep every field present and typed.

/** Every field of a generated message type (what `create()` would fill). */
export type Complete<T> = Required<Omit<T, '$unknown'>>;

export function estimateToProto(e: Estimate): ProtoEstimate {
  return {
    $typeName: EstimateSchema.typeName,
    inputTokens: BigInt(e.inputTokens),
    maxOutputTokens: BigInt(e.maxOutputTokens),
    inputCost: e.inputCost,
    maxCost: e.maxCost,
    tokenizer: e.tokenizer,
  } satisfies Complete<ProtoEstimate>;
}

export function candidateToProto(c: Candidate, rank: number): ProtoCandidate {
  return {
    $typeName: CandidateSchema.typeName,
    provider: c.provider,
    model: c.model.id,
    upstreamModel: c.model.upstreamModel,
    estimate: estimateToProto(c.estimate),
    rank,
  } satisfies Complete<ProtoCandidate>;
}

export function exclusionToProto(e: Exclusion): ProtoExclusion {
  return {
    $typeName: ExclusionSchema.typeName,
    provider: e.provider,
    model: e.model,
    reason: toProtoEnum(ExclusionReason, e.reason),
    detail: e.detail,
  } satisfies Complete<ProtoExclusion>;
}

function parameterToProto(p: ParameterAvailability): ProtoParameterAvailability['availability'] {
  switch (p.state) {
    case 'mutable':
      return {
        case: 'mutable',
        value: {
          $typeName: 'switchyard.v1.MutableParameter',
          min: p.min,
          max: p.max,
          defaultJson: p.default === undefined ? '' : JSON.stringify(p.default),
          allowedValues: p.allowedValues ?? [],
        },
      };
    case 'read_only':
      return { case: 'readOnly', value: { $typeName: 'switchyard.v1.ReadOnlyParameter', valueJson: JSON.stringify(p.value) } };
    case 'opaque':
      return { case: 'opaque', value: { $typeName: 'switchyard.v1.OpaqueParameter' } };
    case 'unsupported':
      return { case: 'unsupported', value: { $typeName: 'switchyard.v1.UnsupportedParameter', reason: p.reason ?? '' } };
  }
}

/** ModelInfo messages are immutable once built; cache them per entry (the catalog is immutable). */
const modelInfoCache = new WeakMap<ModelEntry, ModelInfo>();

export function modelToProto(m: ModelEntry): ModelInfo {
  const cached = modelInfoCache.get(m);
  if (cached) return cached;
  const parameters: ModelInfo['parameters'] = {};
  for (const [name, p] of Object.entries(m.parameters)) {
    parameters[name] = { $typeName: 'switchyard.v1.ParameterAvailability', availability: parameterToProto(p) };
  }
  const info = create(ModelInfoSchema, {
    id: m.id,
    provider: m.vendor,
    kind: m.kind === 'embedding' ? ModelKind.EMBEDDING : ModelKind.CHAT,
    contextWindow: BigInt(m.contextWindow),
    maxOutputTokens: BigInt(m.maxOutputTokens),
    pricing: {
      input: m.pricing.input,
      output: m.pricing.output,
      cachedInput: m.pricing.cachedInput,
      cacheWriteInput: m.pricing.cacheWriteInput,
      reasoning: m.pricing.reasoning,
      tiers: m.pricing.tiers.map((t) => ({
        aboveInputTokens: BigInt(t.aboveInputTokens),
        input: t.input,
        output: t.output,
        cachedInput: t.cachedInput,
      })),
    },
    capabilities: m.capabilities.map(capabilityToProto),
    embeddingDimensions: BigInt(m.embeddingDimensions),
    regions: m.regions,
    local: m.local,
    parameters,
    upstreamModel: m.upstreamModel,
    displayName: m.displayName,
    source: m.source,
    deprecationDate: m.deprecationDate ?? '',
  });
  modelInfoCache.set(m, info);
  return info;
}
