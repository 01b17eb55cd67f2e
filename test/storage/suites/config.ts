// Providers, model overrides, aliases and route rules: the configuration an operator edits.

import { describe, expect, test } from 'vitest';
import { AlreadyExistsError, NotFoundError } from '../../../src/store/errors.js';
import * as aliases from '../../../src/store/repos/aliases.js';
import * as overrides from '../../../src/store/repos/model-overrides.js';
import * as providers from '../../../src/store/repos/providers.js';
import * as rules from '../../../src/store/repos/route-rules.js';
import { rejection, type StorageCtx } from './context.js';

export function configSuite(ctx: StorageCtx): void {
  describe('providers', () => {
    test('create with defaults, patch (null clears), put, list, delete', async () => {
      const p = await providers.createProvider(ctx.db, { id: 'openai', kind: 'openai', apiKeyCiphertext: 'v1:abc' });
      expect(p).toMatchObject({
        id: 'openai',
        kind: 'openai',
        baseUrl: null,
        apiKeyCiphertext: 'v1:abc',
        apiKeyEnv: null,
        preset: null,
        regions: [],
        local: false,
        disabled: false,
        maxSensitivity: null,
      });
      const patched = await providers.updateProvider(ctx.db, 'openai', {
        apiKeyCiphertext: null,
        apiKeyEnv: 'OPENAI_API_KEY',
        regions: ['us', 'eu'],
        maxSensitivity: 'restricted',
      });
      expect(patched).toMatchObject({
        apiKeyCiphertext: null,
        apiKeyEnv: 'OPENAI_API_KEY',
        regions: ['us', 'eu'],
        kind: 'openai',
        maxSensitivity: 'restricted',
      });
      expect((await providers.updateProvider(ctx.db, 'openai', { maxSensitivity: null })).maxSensitivity).toBeNull();
      // The column takes only the four clearance levels.
      expect(await rejection(providers.updateProvider(ctx.db, 'openai', { maxSensitivity: 'secret' }))).toBeTruthy();
      expect(patched.updatedAt.getTime()).toBeGreaterThanOrEqual(p.updatedAt.getTime());

      const put = await providers.putProvider(ctx.db, { id: 'openai', kind: 'openai-compatible', preset: 'groq' });
      // put replaces the whole row: fields it does not name go back to their defaults.
      expect(put).toMatchObject({ kind: 'openai-compatible', preset: 'groq', apiKeyEnv: null, regions: [] });
      await providers.putProvider(ctx.db, { id: 'ollama', kind: 'ollama', local: true, baseUrl: 'http://127.0.0.1:11434' });

      const page1 = await providers.listProviders(ctx.db, { limit: 1 });
      expect(page1.items.map((x) => x.id)).toEqual(['ollama']);
      const page2 = await providers.listProviders(ctx.db, { limit: 1, after: page1.next! });
      expect(page2).toMatchObject({ next: null, items: [{ id: 'openai' }] });

      await providers.deleteProvider(ctx.db, 'ollama');
      expect(await providers.getProvider(ctx.db, 'ollama')).toBeNull();
    });

    test('typed errors', async () => {
      await providers.createProvider(ctx.db, { id: 'x', kind: 'openai' });
      expect(await rejection(providers.createProvider(ctx.db, { id: 'x', kind: 'openai' }))).toBeInstanceOf(AlreadyExistsError);
      expect(await rejection(providers.updateProvider(ctx.db, 'nope', { disabled: true }))).toBeInstanceOf(NotFoundError);
      expect(await rejection(providers.deleteProvider(ctx.db, 'nope'))).toBeInstanceOf(NotFoundError);
    });
  });

  describe('model overrides', () => {
    test('create, put, get, list, delete; patch keeps JSON types', async () => {
      const patch = { context_window: 200000, tags: ['fast'], pricing: { input: '0.15' }, nested: [[1], { a: null }] };
      const o = await overrides.createModelOverride(ctx.db, { modelId: 'openai/gpt-4o-mini', patch, quality: 7 });
      expect(o).toMatchObject({ modelId: 'openai/gpt-4o-mini', patch, disabled: false, quality: 7 });
      expect(await rejection(overrides.createModelOverride(ctx.db, { modelId: 'openai/gpt-4o-mini' }))).toBeInstanceOf(AlreadyExistsError);
      const replaced = await overrides.putModelOverride(ctx.db, { modelId: 'openai/gpt-4o-mini', disabled: true });
      expect(replaced).toMatchObject({ patch: {}, disabled: true, quality: null });
      await overrides.putModelOverride(ctx.db, { modelId: 'anthropic/claude', patch: { x: 1 } });
      expect((await overrides.listModelOverrides(ctx.db)).items.map((x) => x.modelId)).toEqual(['anthropic/claude', 'openai/gpt-4o-mini']);
      await overrides.deleteModelOverride(ctx.db, 'anthropic/claude');
      expect(await overrides.getModelOverride(ctx.db, 'anthropic/claude')).toBeNull();
      expect(await rejection(overrides.deleteModelOverride(ctx.db, 'anthropic/claude'))).toBeInstanceOf(NotFoundError);
    });
  });

  describe('aliases', () => {
    test('create, put, get, list, delete; a JSON array body stays an array', async () => {
      const a = await aliases.createAlias(ctx.db, 'fast', ['openai/gpt-4o-mini', 'groq/llama']);
      expect(a.body).toEqual(['openai/gpt-4o-mini', 'groq/llama']);
      expect(await rejection(aliases.createAlias(ctx.db, 'fast', []))).toBeInstanceOf(AlreadyExistsError);
      expect((await aliases.putAlias(ctx.db, 'fast', { targets: ['x'] })).body).toEqual({ targets: ['x'] });
      await aliases.putAlias(ctx.db, 'cheap', 'openai/gpt-4o-mini');
      expect((await aliases.getAlias(ctx.db, 'cheap'))?.body).toBe('openai/gpt-4o-mini');
      expect((await aliases.listAliases(ctx.db)).items.map((x) => x.name)).toEqual(['cheap', 'fast']);
      await aliases.deleteAlias(ctx.db, 'cheap');
      expect(await rejection(aliases.deleteAlias(ctx.db, 'cheap'))).toBeInstanceOf(NotFoundError);
      await expect(aliases.putAlias(ctx.db, 'u', undefined)).rejects.toThrow(TypeError);
    });
  });

  describe('route rules', () => {
    test('create, get, update, list by tenant, delete', async () => {
      const r = await rules.createRouteRule(ctx.db, { id: 'r1', target: 'fast' });
      expect(r).toMatchObject({ id: 'r1', tenantId: '', workerId: '', taskType: '', target: 'fast', strategy: null });
      await rules.createRouteRule(ctx.db, { id: 'r2', tenantId: 'acme', taskType: 'summarize', target: 'cheap', strategy: 'cost' });
      await rules.createRouteRule(ctx.db, { id: 'r3', tenantId: 'acme', workerId: 'w1', target: 'best' });

      const u = await rules.updateRouteRule(ctx.db, 'r2', { strategy: null, target: 'cheaper' });
      expect(u).toMatchObject({ id: 'r2', strategy: null, target: 'cheaper', tenantId: 'acme', taskType: 'summarize' });
      expect(await rules.getRouteRule(ctx.db, 'r2')).toEqual(u);

      expect((await rules.listRouteRules(ctx.db, { tenantId: 'acme' })).items.map((x) => x.id)).toEqual(['r2', 'r3']);
      expect((await rules.listRouteRules(ctx.db, { tenantId: '' })).items.map((x) => x.id)).toEqual(['r1']);
      const p1 = await rules.listRouteRules(ctx.db, { limit: 2 });
      expect(p1).toMatchObject({ next: 'r2' });
      expect((await rules.listRouteRules(ctx.db, { after: p1.next! })).items.map((x) => x.id)).toEqual(['r3']);

      await rules.deleteRouteRule(ctx.db, 'r3');
      expect(await rules.getRouteRule(ctx.db, 'r3')).toBeNull();
    });

    test('one rule per (tenant, worker, task type); typed errors', async () => {
      await rules.createRouteRule(ctx.db, { id: 'r1', tenantId: 't', taskType: 'chat', target: 'a' });
      await rules.createRouteRule(ctx.db, { id: 'r2', tenantId: 't', taskType: 'embed', target: 'b' });
      const clash = await rejection(rules.createRouteRule(ctx.db, { id: 'r9', tenantId: 't', taskType: 'chat', target: 'c' }));
      expect(clash).toBeInstanceOf(AlreadyExistsError);
      expect((clash as AlreadyExistsError).metadata.constraint).toBe('route_rules_match');
      expect(await rejection(rules.updateRouteRule(ctx.db, 'r2', { taskType: 'chat' }))).toBeInstanceOf(AlreadyExistsError);
      expect(await rejection(rules.createRouteRule(ctx.db, { id: 'r1', target: 'x' }))).toBeInstanceOf(AlreadyExistsError);
      expect(await rejection(rules.updateRouteRule(ctx.db, 'nope', { target: 'x' }))).toBeInstanceOf(NotFoundError);
      expect(await rejection(rules.deleteRouteRule(ctx.db, 'nope'))).toBeInstanceOf(NotFoundError);
    });
  });
}
