import fc from 'fast-check';
import { backoffCeiling, backoffDelay } from '../src/backoff';

describe('backoff', () => {
  const opts = { baseMs: 100, maxMs: 5000 };

  it('doubles per attempt up to the cap', () => {
    expect([0, 1, 2, 3, 5, 6, 100].map((n) => backoffCeiling(n, opts))).toEqual([100, 200, 400, 800, 3200, 5000, 5000]);
  });

  it('uses equal jitter: random 0 gives half the ceiling, random 1 the ceiling', () => {
    expect(backoffDelay(3, opts, () => 0)).toBe(400);
    expect(backoffDelay(3, opts, () => 1)).toBe(800);
  });

  it('property: delay always within [ceiling/2, ceiling] and never above maxMs', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10_000 }), fc.double({ min: 0, max: 1, noNaN: true }), (attempt, r) => {
        const d = backoffDelay(attempt, opts, () => r);
        const cap = backoffCeiling(attempt, opts);
        expect(d).toBeGreaterThanOrEqual(Math.floor(cap / 2));
        expect(d).toBeLessThanOrEqual(cap);
        expect(d).toBeLessThanOrEqual(opts.maxMs);
      }),
    );
  });

  it('property: the ceiling never decreases with the attempt number', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2000 }), (n) => {
        expect(backoffCeiling(n + 1, opts)).toBeGreaterThanOrEqual(backoffCeiling(n, opts));
      }),
    );
  });
});
