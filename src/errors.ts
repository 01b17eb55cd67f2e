// The one domain error type. Every layer below src/server/ throws this (or lets a provider's
// classified error through); src/server/errors.ts maps each kind to a gRPC code in one table.

export type ErrorKind =
  | 'invalid_argument'
  | 'not_found'
  | 'already_exists'
  | 'failed_precondition'
  | 'permission_denied'
  | 'unauthenticated'
  | 'resource_exhausted'
  | 'unavailable'
  | 'deadline_exceeded'
  | 'unimplemented'
  | 'internal';

export interface FieldViolation {
  /** Path of the bad field, e.g. "messages[2].role" or "options.max_output_tokens". */
  field: string;
  description: string;
}

export interface ErrorDetails {
  /** UPPER_SNAKE_CASE, stable: clients branch on it (google.rpc.ErrorInfo.reason). */
  reason: string;
  /** Structured context (google.rpc.ErrorInfo.metadata). Never secrets. */
  metadata?: Record<string, string>;
  violations?: FieldViolation[];
}

export class SwitchyardError extends Error {
  readonly kind: ErrorKind;
  readonly reason: string;
  readonly metadata: Record<string, string>;
  readonly violations: FieldViolation[];

  constructor(kind: ErrorKind, message: string, details: ErrorDetails) {
    super(message);
    this.name = 'SwitchyardError';
    this.kind = kind;
    this.reason = details.reason;
    this.metadata = details.metadata ?? {};
    this.violations = details.violations ?? [];
  }
}

/** INVALID_ARGUMENT naming one field. */
export function invalidField(field: string, description: string): SwitchyardError {
  return new SwitchyardError('invalid_argument', `${field}: ${description}`, {
    reason: 'INVALID_FIELD',
    metadata: { field },
    violations: [{ field, description }],
  });
}

/** INVALID_ARGUMENT naming every bad field found. */
export function invalidFields(violations: FieldViolation[]): SwitchyardError {
  const message = violations.map((v) => `${v.field}: ${v.description}`).join('; ');
  return new SwitchyardError('invalid_argument', message, {
    reason: 'INVALID_FIELD',
    metadata: { field: violations[0]?.field ?? '' },
    violations,
  });
}

export function unimplemented(what: string, detail: string): SwitchyardError {
  return new SwitchyardError('unimplemented', `${what} is not implemented yet: ${detail}`, {
    reason: 'NOT_IMPLEMENTED',
    metadata: { what },
  });
}

/**
 * A refusal after planning names the decision it was recorded under (ErrorInfo metadata
 * `decision_id`), so a caller can read it back with GetDecision and the HTTP ways in can
 * send `x-switchyard-decision-id` on errors too.
 */
export function withDecisionId(err: unknown, decisionId: string): unknown {
  if (err instanceof SwitchyardError && err.metadata.decision_id === undefined) err.metadata.decision_id = decisionId;
  return err;
}
