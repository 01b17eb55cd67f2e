// Domain types of routing. Plain TypeScript, no protobuf.
import type { Capability, ModelEntry, ModelKind } from '../catalog/types.js';

/**
 * Every strategy of the contract (strategies.ts orders candidates by each). Routing owns the
 * list; the config file (config/schema.ts) and the proto enum name them in their own terms.
 */
export const STRATEGIES = ['pinned', 'priority', 'cheapest', 'fastest', 'quality', 'weighted', 'least_busy', 'scored'] as const;
export type StrategyName = (typeof STRATEGIES)[number];

export interface Requirements {
  capabilities: Capability[];
  minContextTokens: number;
  requiredParameters: string[];
  allowedProviders: string[];
  deniedProviders: string[];
  allowedRegions: string[];
  /** pico-USD per token (= micro-USD per million tokens); 0n = no ceiling. */
  maxPricePerMillionTokens: bigint;
  maxLatencyMs: number;
}

export const NO_REQUIREMENTS: Requirements = Object.freeze({
  capabilities: [],
  minContextTokens: 0,
  requiredParameters: [],
  allowedProviders: [],
  deniedProviders: [],
  allowedRegions: [],
  maxPricePerMillionTokens: 0n,
  maxLatencyMs: 0,
}) as Requirements;

export type Sensitivity = 'unspecified' | 'public' | 'internal' | 'confidential' | 'restricted';

export interface PlanRequest {
  /** Model id, bare model name, or alias; empty: the matching route rule decides. */
  model: string;
  /** Who asks (from the key) and for what: inputs of route rules. */
  tenant?: string;
  workerId?: string;
  taskType?: string;
  kind: ModelKind;
  /** Estimated input tokens (src/routing/estimate.ts). */
  inputTokens: number;
  /** How the input was counted, e.g. "chars/4". */
  tokenizer: string;
  /** 0 = the model's maximum. */
  maxOutputTokens: number;
  requirements: Requirements;
  /** The caller's sensitivity, raised by a `sensitivity` or `findings` label (src/routing/privacy.ts). */
  sensitivity: Sensitivity;
  /** Label local_required=true: only local endpoints. */
  localRequired?: boolean;
  /** Overrides the alias's strategy. */
  strategy?: StrategyName;
}

/** An upstream endpoint as the planner sees it: no secrets, only whether credentials exist. */
export interface PlannerProvider {
  id: string;
  /** Catalog vendors this provider serves (e.g. ["openai"]); always includes its own id. */
  vendors: string[];
  hasCredentials: boolean;
  regions: string[];
  local: boolean;
  disabled: boolean;
  /** Highest sensitivity this (remote) endpoint is cleared for; unset: confidential (policy.ts). */
  maxSensitivity?: Sensitivity;
}

export interface AliasTarget {
  model: string;
  weight: number;
}

export interface AliasDef {
  name: string;
  strategy: StrategyName;
  targets: AliasTarget[];
}

export interface Estimate {
  inputTokens: number;
  maxOutputTokens: number;
  /** pico-USD */
  inputCost: bigint;
  /** pico-USD, input + max output. */
  maxCost: bigint;
  tokenizer: string;
}

export interface Candidate {
  provider: string;
  model: ModelEntry;
  estimate: Estimate;
}

export type ExclusionReason =
  | 'missing_capability'
  | 'context_window'
  | 'max_output'
  | 'required_parameter'
  | 'provider_not_allowed'
  | 'provider_denied'
  | 'region'
  | 'sensitivity'
  | 'price'
  | 'latency'
  | 'circuit_open'
  | 'no_credentials'
  | 'policy'
  | 'wrong_kind'
  | 'no_provider';

export interface Exclusion {
  provider: string;
  model: string;
  reason: ExclusionReason;
  detail: string;
}

export interface Plan {
  /** The alias name or the resolved model id. */
  resolved: string;
  /** The route rule that chose the model, when the request named none. */
  routeRule?: string;
  strategy: StrategyName;
  candidates: Candidate[];
  excluded: Exclusion[];
  /** Estimate of the first candidate. */
  estimate: Estimate;
}
