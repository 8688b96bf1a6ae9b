/**
 * Exponential backoff with "equal jitter": the delay for attempt n (0-based)
 * lies in [cap/2, cap] where cap = min(maxMs, baseMs * 2^n).
 * `random` is injectable so tests can pin it.
 */
export interface BackoffOptions {
  baseMs: number;
  maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 250, maxMs: 30000 };

export function backoffCeiling(attempt: number, opts: BackoffOptions = DEFAULT_BACKOFF): number {
  const n = Math.max(0, Math.floor(attempt));
  // 2^n overflows to Infinity for huge n; Math.min handles that.
  return Math.min(opts.maxMs, opts.baseMs * Math.pow(2, n));
}

export function backoffDelay(
  attempt: number,
  opts: BackoffOptions = DEFAULT_BACKOFF,
  random: () => number = Math.random,
): number {
  const cap = backoffCeiling(attempt, opts);
  const r = Math.min(1, Math.max(0, random()));
  return Math.round(cap / 2 + (cap / 2) * r);
}
