/** Small statistics for the benchmark: order statistics and a least-squares line. */

export function sorted(values: readonly number[]): number[] {
    return [...values].sort((a, b) => a - b);
}

/** Percentile by linear interpolation between closest ranks (p in 0..100). */
export function percentile(values: readonly number[], p: number): number {
    if (values.length === 0) {
        return NaN;
    }
    const s = sorted(values);
    const rank = (p / 100) * (s.length - 1);
    const lo = Math.floor(rank);
    const hi = Math.ceil(rank);
    return s[lo] + (s[hi] - s[lo]) * (rank - lo);
}

export function median(values: readonly number[]): number {
    return percentile(values, 50);
}

export function mean(values: readonly number[]): number {
    return values.length === 0 ? NaN : values.reduce((a, b) => a + b, 0) / values.length;
}

export interface LinearFit {
    slope: number;
    intercept: number;
    /** Coefficient of determination; 1 when every point is on the line. */
    r2: number;
}

/** Ordinary least squares y = intercept + slope * x. */
export function linearFit(xs: readonly number[], ys: readonly number[]): LinearFit {
    if (xs.length !== ys.length || xs.length < 2) {
        throw new Error(`linearFit needs two or more (x, y) pairs, got ${xs.length} and ${ys.length}`);
    }
    const mx = mean(xs);
    const my = mean(ys);
    let sxy = 0;
    let sxx = 0;
    let syy = 0;
    for (let i = 0; i < xs.length; i++) {
        sxy += (xs[i] - mx) * (ys[i] - my);
        sxx += (xs[i] - mx) ** 2;
        syy += (ys[i] - my) ** 2;
    }
    const slope = sxx === 0 ? 0 : sxy / sxx;
    const intercept = my - slope * mx;
    let ssRes = 0;
    for (let i = 0; i < xs.length; i++) {
        ssRes += (ys[i] - (intercept + slope * xs[i])) ** 2;
    }
    const r2 = syy === 0 ? 1 : 1 - ssRes / syy;
    return { slope, intercept, r2 };
}

/** Rounds for reports: 3 significant digits is plenty for noisy timings. */
export function round(value: number, digits = 3): number {
    if (!Number.isFinite(value) || value === 0) {
        return value;
    }
    const scale = 10 ** (digits - Math.ceil(Math.log10(Math.abs(value))));
    return Math.round(value * scale) / scale;
}
