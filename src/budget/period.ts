// Budget periods in UTC: a day starts at 00:00, a month on the 1st at 00:00, and a "total"
// budget has one period that started at the epoch. Pure.
import type { BudgetPeriod } from './types.js';

export const TOTAL_PERIOD_START = new Date(0);

export function periodStart(period: BudgetPeriod, now: Date): Date {
  if (period === 'total') return TOTAL_PERIOD_START;
  const y = now.getUTCFullYear();
  const m = now.getUTCMonth();
  return period === 'month' ? new Date(Date.UTC(y, m, 1)) : new Date(Date.UTC(y, m, now.getUTCDate()));
}
