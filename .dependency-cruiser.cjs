/**
 * Dependency rules for src/ (`npm run lint:deps`, and a CI step).
 *
 * They encode the "Layout" section of ARCHITECTURE.md: imports only point down the layers, no
 * files import each other in a circle, only the ways in touch generated code, and providers stay
 * ignorant of storage, the ledger and routing. Type-only imports count everywhere: a type-only
 * cycle or an upward type import still couples the layers, and the next edit tends to make it a
 * runtime one.
 */

// Top to bottom. A module may import its own layer or any layer below it, never one above.
// `app` is the composition root (`runtime` is the name ARCHITECTURE.md allows for it).
const LAYERS = [
  { name: 'entry points', folders: ['cli', 'app', 'runtime'] },
  { name: 'ways in', folders: ['server'] },
  { name: 'use cases', folders: ['calls', 'admin'] },
  { name: 'domain', folders: ['routing', 'budget', 'limits', 'ledger', 'catalog', 'providers'] },
  { name: 'storage and config', folders: ['store', 'config'] },
  // Metrics definitions import only prom-client, so every layer above may record to them.
  { name: 'observability', folders: ['metrics'] },
  { name: 'shared leaf files', files: ['errors', 'ids', 'log'] },
];

const escape = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** One regex matching every module of a layer. */
function layerPath(layer) {
  if (layer.files) return `^src/(${layer.files.map(escape).join('|')})\\.ts$`;
  return `^src/(${layer.folders.map(escape).join('|')})/`;
}

const upwardRules = LAYERS.slice(1).map((layer, index) => {
  const above = LAYERS.slice(0, index + 1);
  return {
    name: `layer-up-from-${layer.name.replace(/\W+/g, '-')}`,
    comment:
      `${layer.name} must not import a layer above it ` +
      `(${above.map((l) => l.name).join(', ')}): pass what it needs in from above instead.`,
    severity: 'error',
    from: { path: layerPath(layer) },
    to: { path: above.map(layerPath) },
  };
});

// Folder-level cycles. dependency-cruiser finds them on its folder graph, where an import lands
// on the folder that directly holds the imported file: `routing -> providers/openai/x.ts` is an
// edge to `src/providers/openai`, not to `src/providers`, so a circle that enters a folder
// through one subfolder and leaves it through another would go unseen. Across layers the
// upward rules already rule out every circle; within a layer, the rule below makes every import
// between sibling folders land on the sibling's top level, where the folder graph sees it.
const sameLayerRules = LAYERS.filter((layer) => layer.folders && layer.folders.length > 1).flatMap((layer) =>
  layer.folders.map((folder) => ({
    name: `same-layer-into-subfolder-from-${folder}`,
    comment:
      `src/${folder}/ imports a file inside a subfolder of a folder of its own layer ` +
      `(${layer.folders.join(', ')}). Import a file at that folder's top level, so the ` +
      'no-circular-folders rule can see the dependency.',
    severity: 'error',
    from: { path: `^src/${escape(folder)}/` },
    to: { path: `^src/(${layer.folders.filter((f) => f !== folder).map(escape).join('|')})/[^/]+/` },
  })),
);

const PLACED = LAYERS.map(layerPath);

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment:
        'Files under src/ import each other in a circle (type-only imports included). Move what ' +
        'both sides need into a small file that neither imports back.',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'no-circular-folders',
      comment:
        'Folders under src/ depend on each other in a circle, through any of their files. ' +
        'Folders of the same layer may import each other one way only.',
      severity: 'error',
      scope: 'folder',
      from: { path: '^src/[^/]+$' },
      to: { circular: true },
    },
    ...upwardRules,
    ...sameLayerRules,
    {
      name: 'src-unplaced',
      comment:
        'This file is in no layer of .dependency-cruiser.cjs. Put it in a folder that has one, ' +
        'or add its folder to LAYERS where ARCHITECTURE.md places it.',
      severity: 'error',
      from: { path: '^src/', pathNot: PLACED },
      to: {},
    },
    {
      name: 'to-src-unplaced',
      comment:
        'This import points at a file that is in no layer of .dependency-cruiser.cjs. Put it in ' +
        'a folder that has one, or add its folder to LAYERS where ARCHITECTURE.md places it.',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^src/', pathNot: PLACED },
    },
    {
      name: 'gen-only-from-ways-in',
      comment:
        'Generated protobuf code (gen/) is for the ways in (src/server/), the CLI and the ' +
        'composition root only; the domain speaks plain TypeScript types.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/(server|cli|app|runtime)/' },
      to: { path: '^gen/' },
    },
    {
      name: 'providers-not-to-store-ledger-routing',
      comment:
        'Providers turn a domain call into upstream bytes and back; they never reach storage, ' +
        'the ledger or routing.',
      severity: 'error',
      from: { path: '^src/providers/' },
      to: { path: '^src/(store|ledger|routing)/' },
    },
    {
      name: 'not-to-unresolvable',
      comment:
        'An import the checker cannot resolve is an edge it cannot check, so every other rule ' +
        'would pass on it silently.',
      severity: 'error',
      from: { path: '^src/' },
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // Parse the TypeScript sources before compilation, so `import type` edges are kept.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types', 'typings'],
    },
  },
};
