// Property tests of the reservation arithmetic on one lease (no database: the lease's granted
// money is given). Whatever the order of reservations and settlements and whatever the costs:
// no balance goes negative, the lease never consumes more than it was granted, every settled
// pico-USD is either consumed or recorded as overage, and settling twice changes nothing.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LocalLease, Reservation, type EscrowEngine } from '../../src/budget/escrow.js';
import type { BudgetDef } from '../../src/budget/types.js';

const BUDGET: BudgetDef = { id: 'b', tenantId: 't', scope: 'tenant', apiKeyId: '', workerId: '', period: 'total', limit: 0n };

type Op = { kind: 'reserve'; amount: bigint } | { kind: 'settle'; index: number; cost: bigint; twice: boolean };

const ops = fc.array(
  fc.oneof(
    fc.record({ kind: fc.constant('reserve' as const), amount: fc.bigInt({ min: 0n, max: 1_000n }) }),
    fc.record({
      kind: fc.constant('settle' as const),
      index: fc.nat(),
      cost: fc.bigInt({ min: 0n, max: 1_500n }),
      twice: fc.boolean(),
    }),
  ),
  { maxLength: 200 },
);

describe('reservation arithmetic', () => {
  it('keeps every balance non-negative and accounts for every settled pico-USD', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 20_000n }), ops, (granted, script) => {
        const lease = new LocalLease(BUDGET, new Date(0));
        lease.granted = granted;
        let consumed = 0n;
        let overage = 0n;
        const engine = {
          noteSettled: (_l: LocalLease, within: bigint, over: bigint) => {
            consumed += within;
            overage += over;
          },
        } as unknown as EscrowEngine;
        const open: { r: Reservation; amount: bigint }[] = [];
        let settledCost = 0n;
        for (const op of script as Op[]) {
          if (op.kind === 'reserve') {
            // The engine's rule: hold only from free money.
            if (lease.free >= op.amount) {
              lease.held += op.amount;
              open.push({ r: new Reservation(engine, [lease], op.amount), amount: op.amount });
            }
          } else if (open.length > 0) {
            const { r } = open.splice(op.index % open.length, 1)[0]!;
            expect(r.settle(op.cost)).toBe(true);
            settledCost += op.cost;
            if (op.twice) {
              const snapshot = { held: lease.held, consumed: lease.consumed, c: consumed, o: overage };
              expect(r.settle(op.cost)).toBe(false);
              expect({ held: lease.held, consumed: lease.consumed, c: consumed, o: overage }).toEqual(snapshot);
            }
          }
          expect(lease.held).toBeGreaterThanOrEqual(0n);
          expect(lease.free).toBeGreaterThanOrEqual(0n);
          expect(lease.consumed).toBeLessThanOrEqual(lease.granted);
          expect(consumed + overage).toBe(settledCost);
          expect(lease.consumed).toBe(consumed);
        }
        // Settling what is still open returns the lease to held = 0.
        for (const { r } of open) r.settle(0n);
        expect(lease.held).toBe(0n);
      }),
      { numRuns: 300 },
    );
  });

  it('a settlement within its hold never records overage', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: 10_000n }), fc.bigInt({ min: 0n, max: 10_000n }), (amount, raw) => {
        const cost = raw % (amount + 1n);
        const lease = new LocalLease(BUDGET, new Date(0));
        lease.granted = amount;
        lease.held = amount;
        let over = 0n;
        const engine = { noteSettled: (_l: LocalLease, _w: bigint, o: bigint) => void (over += o) } as unknown as EscrowEngine;
        new Reservation(engine, [lease], amount).settle(cost);
        expect(over).toBe(0n);
        expect(lease.free).toBe(amount - cost);
      }),
    );
  });
});
