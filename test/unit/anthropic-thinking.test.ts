// thinking.budget_tokens → reasoning effort: the nearest Anthropic adapter budget, so a call
// routed back to Anthropic gets about the budget the client asked for.
import { describe, expect, it } from 'vitest';
import { effortOfBudget } from '../../src/server/anthropic/messages-convert.js';

describe('effortOfBudget', () => {
  it.each([
    [1024, 'minimal'],
    [1536, 'minimal'], // a tie goes to the smaller budget
    [1537, 'low'],
    [4000, 'low'],
    [9000, 'medium'],
    [16384, 'medium'],
    [16385, 'high'],
    [31999, 'high'],
    [1_000_000, 'high'],
  ])('%i tokens → %s', (budget, effort) => {
    expect(effortOfBudget(budget)).toBe(effort);
  });
});
