// The Anthropic adapter through the shared conformance suite, against the Anthropic fake.
import { Secret } from '../../src/config/secret.js';
import { createAnthropicAdapter } from '../../src/providers/anthropic/adapter.js';
import { anthropicConformanceFake } from '../fakes/anthropic.js';
import { runConformance } from './conformance.js';

runConformance({
  name: 'anthropic',
  makeAdapter: (baseUrl, timeouts) =>
    createAnthropicAdapter({ id: 'anthropic', kind: 'anthropic', baseUrl, apiKey: new Secret('sk-ant-test'), timeouts }),
  fake: anthropicConformanceFake(),
  overloadedStatus: 529,
});
