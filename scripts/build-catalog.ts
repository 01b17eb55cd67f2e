// Builds src/catalog/data/catalog.json from the public datasets.
//
//   npx tsx scripts/build-catalog.ts [shared-data-dir]     (default: ../shared/data from the repo root)
//
// Deterministic: the same inputs give byte-identical output (test/unit/catalog-build.test.ts
// checks that the committed file is what this script writes now).
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildCatalog, LITELLM_FILE, OPENROUTER_FILE } from '../src/catalog/build/build.js';
import type { BuildResult } from '../src/catalog/build/build.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const DEFAULT_DATA_DIR = resolve(repoRoot, '../shared/data');
export const CATALOG_PATH = join(repoRoot, 'src/catalog/data/catalog.json');

export function buildFromDir(dataDir: string): BuildResult {
  return buildCatalog({
    litellm: readFileSync(join(dataDir, LITELLM_FILE), 'utf8'),
    openrouter: readFileSync(join(dataDir, OPENROUTER_FILE), 'utf8'),
  });
}

function printSummary(r: BuildResult): void {
  const { summary, prices } = r;
  console.log(`catalog ${r.version}: ${summary.total} models, ${(Buffer.byteLength(r.text) / 1024).toFixed(0)} KiB`);
  for (const [vendor, n] of Object.entries(summary.byVendor).sort(([a], [b]) => (a < b ? -1 : 1))) {
    console.log(`  ${vendor.padEnd(12)} chat ${String(n.chat).padStart(4)}  embedding ${String(n.embedding).padStart(3)}`);
  }
  console.log(`  direct-vendor models using OpenRouter parameter data: ${summary.openRouterMatched}`);
  console.log('skipped LiteLLM records:');
  for (const [reason, n] of Object.entries(summary.skipped).sort(([a], [b]) => (a < b ? -1 : 1))) {
    console.log(`  ${reason.padEnd(30)} ${n}`);
  }
  for (const p of prices.rounded) {
    console.warn(`rounded to whole pico-USD: ${p.model} ${p.field} ${p.source} USD → ${p.pico}`);
  }
  for (const p of prices.variable) console.warn(`variable price stored as 0: ${p.model} ${p.field} = ${p.source}`);
}

const isMain = process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  const dataDir = resolve(process.argv[2] ?? DEFAULT_DATA_DIR);
  const result = buildFromDir(dataDir);
  writeFileSync(CATALOG_PATH, result.text);
  printSummary(result);
  console.log(`wrote ${CATALOG_PATH}`);
}
