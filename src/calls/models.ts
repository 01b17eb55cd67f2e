// Catalog reads: one model's metadata (a model id, a bare upstream name or an alias), and the
// filtered, paged listing.
import type { ModelFilter, ModelPage } from '../catalog/catalog.js';
import type { ModelEntry } from '../catalog/types.js';
import { SwitchyardError } from '../errors.js';
import type { CallDeps } from './deps.js';

export function modelMetadata(name: string, deps: Pick<CallDeps, 'snapshot'>): ModelEntry {
  const snap = deps.snapshot();
  const alias = snap.aliases.get(name);
  const model = snap.catalog.resolve(alias?.targets[0]?.model ?? name, snap.preferredVendors);
  if (!model) {
    throw new SwitchyardError('not_found', `model "${name}" is neither a known model nor an alias`, {
      reason: 'MODEL_NOT_FOUND',
      metadata: { model: name },
    });
  }
  return model;
}

export function listModels(filter: ModelFilter, pageSize: number, pageToken: string, deps: Pick<CallDeps, 'snapshot'>): ModelPage {
  return deps.snapshot().catalog.list(filter, pageSize, pageToken);
}
