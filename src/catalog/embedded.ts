// The catalog snapshot shipped with Switchyard (src/catalog/data/catalog.json, built by
// scripts/build-catalog.ts). Read once, synchronously, at start-up: it is ~1 MB and nothing
// can route before it is loaded.
import { readFileSync } from 'node:fs';
import { modelFromJson } from './serialize.js';
import type { CatalogSource, ModelJson } from './serialize.js';
import type { ModelEntry } from './types.js';

export interface EmbeddedCatalog {
  /** sha256 of the models content, first 16 hex characters. */
  version: string;
  unit: string;
  generatedBy: string;
  sources: CatalogSource[];
  /** Sorted by id. Shared: treat as read-only. */
  models: ModelEntry[];
}

interface CatalogFile {
  format: number;
  unit: string;
  generatedBy: string;
  version: string;
  sources: CatalogSource[];
  models: ModelJson[];
}

/** Parses catalog.json text; throws a clear error on a file this code cannot read. */
export function parseCatalogFile(text: string, where = 'catalog.json'): EmbeddedCatalog {
  const file = JSON.parse(text) as Partial<CatalogFile>;
  if (file.format !== 1 || !Array.isArray(file.models) || typeof file.version !== 'string') {
    throw new Error(`${where}: not a format-1 Switchyard catalog`);
  }
  if (file.unit !== 'pico-USD per token') throw new Error(`${where}: unexpected price unit ${String(file.unit)}`);
  return {
    version: file.version,
    unit: file.unit,
    generatedBy: file.generatedBy ?? '',
    sources: file.sources ?? [],
    models: file.models.map(modelFromJson),
  };
}

let embedded: EmbeddedCatalog | undefined;

/** The embedded snapshot, read from disk on first call and kept. */
export function loadEmbeddedCatalog(): EmbeddedCatalog {
  if (!embedded) {
    const url = new URL('./data/catalog.json', import.meta.url);
    embedded = parseCatalogFile(readFileSync(url, 'utf8'), url.pathname);
  }
  return embedded;
}
