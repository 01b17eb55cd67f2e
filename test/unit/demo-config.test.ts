// When the demo provider is on, and what it adds to the configuration and the catalog.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { demoReason, withDemo } from '../../src/app/demo.js';
import { configModelOverride } from '../../src/app/state.js';
import { Catalog } from '../../src/catalog/catalog.js';
import { ConfigError, loadConfig } from '../../src/config/load.js';

function configFrom(yaml: string) {
  const path = join(mkdtempSync(join(tmpdir(), 'sy-demo-')), 'switchyard.yaml');
  writeFileSync(path, yaml);
  return loadConfig({ config: path }, {});
}

describe('demo provider configuration', () => {
  const bare = loadConfig({}, {});

  it('is on with --demo, in dev mode without providers under auto, or when the config lists a demo provider', () => {
    expect(demoReason(bare, { demo: 'on', devMode: false, storedProviders: 3 })).toBe('flag');
    expect(demoReason(bare, { demo: 'auto', devMode: true, storedProviders: 0 })).toBe('dev_mode_without_providers');
    expect(demoReason(bare, { demo: 'auto', devMode: false, storedProviders: 0 })).toBeUndefined();
    expect(demoReason(bare, { demo: 'auto', devMode: true, storedProviders: 1 })).toBeUndefined();
    expect(demoReason(bare, { devMode: true, storedProviders: 0 })).toBeUndefined();
    const ci = configFrom('providers:\n  - { id: ci-demo, kind: demo }\n');
    expect(demoReason(ci, { devMode: false, storedProviders: 0 })).toBe('configured');
  });

  it('adds the provider "demo" and free demo/... models that the catalog serves', () => {
    const config = withDemo(bare);
    expect(config.providers).toEqual([expect.objectContaining({ id: 'demo', kind: 'demo', local: true })]);
    const catalog = Catalog.fromEmbedded(config.models.map(configModelOverride));
    for (const id of ['demo/echo', 'demo/tools', 'demo/embed']) {
      const m = catalog.get(id);
      expect(m, id).toBeDefined();
      expect(m!.pricing.input + m!.pricing.output).toBe(0n);
      expect(m!.vendor).toBe('demo');
    }
    expect(catalog.get('demo/tools')!.capabilities).toContain('tools');
    expect(catalog.get('demo/embed')).toMatchObject({ kind: 'embedding', embeddingDimensions: 64 });
  });

  it('keeps a configured demo provider, lets the file refine the demo models, refuses the id taken by another kind', () => {
    const ci = withDemo(configFrom('providers:\n  - { id: ci-demo, kind: demo }\nmodels:\n  - { id: demo/echo, display_name: Mine }\n'));
    expect(ci.providers.map((p) => p.id)).toEqual(['ci-demo']);
    const catalog = Catalog.fromEmbedded(ci.models.map(configModelOverride));
    expect(catalog.get('demo/echo')!.displayName).toBe('Mine');
    const taken = configFrom('providers:\n  - { id: demo, kind: ollama, base_url: "http://127.0.0.1:9" }\n');
    expect(() => withDemo(taken)).toThrow(ConfigError);
  });
});
