// GET /v1/models and GET /v1/models/{id}, in OpenAI's `model` object shape. The list holds the
// aliases (what a caller most often names) and then the catalog, the same models ListModels
// serves; `{id}` takes a model id, a bare upstream name or an alias, as `model` does in a
// request. Catalog ids contain "/" (`openai/gpt-4o`): everything after /v1/models/ is the id.
import type { ModelEntry } from '../../catalog/types.js';
import type { CallDeps } from '../../calls/deps.js';
import { listModels, modelMetadata } from '../../calls/models.js';
import { invalidField } from '../../errors.js';

const MAX_PAGE = 1000;

/** Switchyard's extras ride in one object OpenAI clients ignore. */
function modelObject(id: string, m: ModelEntry) {
  return {
    id,
    object: 'model',
    created: 0,
    owned_by: m.vendor,
    switchyard: {
      model: m.id,
      kind: m.kind,
      context_window: m.contextWindow,
      max_output_tokens: m.maxOutputTokens,
      capabilities: m.capabilities,
      local: m.local,
    },
  };
}

export function modelList(deps: CallDeps) {
  const snap = deps.snapshot();
  const data: unknown[] = [];
  for (const alias of snap.aliases.values()) {
    data.push({
      id: alias.name,
      object: 'model',
      created: 0,
      owned_by: 'switchyard',
      switchyard: { alias: alias.targets.map((t) => t.model) },
    });
  }
  let token = '';
  do {
    const page = listModels({}, MAX_PAGE, token, deps);
    for (const m of page.models) data.push(modelObject(m.id, m));
    token = page.nextPageToken;
  } while (token !== '');
  return { object: 'list', data };
}

export function modelOne(rawId: string, deps: CallDeps) {
  let id: string;
  try {
    id = decodeURIComponent(rawId);
  } catch {
    throw invalidField('model', 'is not a valid URL path segment');
  }
  return modelObject(id, modelMetadata(id, deps));
}
