// Typed storage errors. Both are the domain's SwitchyardError (kinds 'already_exists' and
// 'not_found'), so the server's one error table maps them without knowing about the store.
// Metadata names the entity and its id, never a secret (api keys are named by id, not hash).

import { SwitchyardError } from '../errors.js';
import { SQLSTATE, sqlState } from './db.js';

export type Entity = 'tenant' | 'api_key' | 'provider' | 'model_override' | 'alias' | 'route_rule' | 'policy' | 'budget' | 'rate_limit';

export class AlreadyExistsError extends SwitchyardError {
  readonly entity: Entity;
  readonly id: string;

  constructor(entity: Entity, id: string, constraint?: string) {
    super('already_exists', `${entity} ${JSON.stringify(id)} already exists`, {
      reason: 'ALREADY_EXISTS',
      metadata: { entity, id, ...(constraint ? { constraint } : {}) },
    });
    this.name = 'AlreadyExistsError';
    this.entity = entity;
    this.id = id;
  }
}

export class NotFoundError extends SwitchyardError {
  readonly entity: Entity;
  readonly id: string;

  constructor(entity: Entity, id: string) {
    super('not_found', `${entity} ${JSON.stringify(id)} not found`, {
      reason: 'NOT_FOUND',
      metadata: { entity, id },
    });
    this.name = 'NotFoundError';
    this.entity = entity;
    this.id = id;
  }
}

/**
 * Rethrows a write error as a typed one where the cause is clear: a unique violation means
 * `entity id` exists; a foreign-key violation means the referenced `parent` row is missing.
 * Anything else (check constraints, connection loss) propagates unchanged.
 */
export function mapWriteError(err: unknown, entity: Entity, id: string, parent?: { entity: Entity; id: string }): never {
  const code = sqlState(err);
  if (code === SQLSTATE.uniqueViolation) {
    throw new AlreadyExistsError(entity, id, (err as { constraint?: string }).constraint);
  }
  if (code === SQLSTATE.foreignKeyViolation && parent) {
    throw new NotFoundError(parent.entity, parent.id);
  }
  throw err;
}
