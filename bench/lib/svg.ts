/**
 * Minimal SVG charts written by hand (no dependency): grouped horizontal bars for
 * baseline-vs-subject figures, and an x/y line chart with fitted lines for the scaling figure.
 */

const FONT = 'font-family="sans-serif" font-size="12"';
const COLORS = ["#7f8c8d", "#2e86de", "#e67e22", "#27ae60", "#8e44ad"];

function esc(text: string): string {
    return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

function fmt(v: number): string {
    if (!Number.isFinite(v)) {
        return "n/a";
    }
    const a = Math.abs(v);
    return a >= 100 ? v.toFixed(0) : a >= 10 ? v.toFixed(1) : v.toFixed(2);
}

export interface BarGroup {
    label: string;
    /** One value per series, in series order. */
    values: number[];
}

export interface BarChart {
    title: string;
    unit: string;
    series: string[];
    groups: BarGroup[];
    /** Optional vertical line (e.g. a target), in the chart's unit. */
    marker?: { value: number; label: string };
}

/** Grouped horizontal bars, one group per figure and one bar per series. */
export function barChartSvg(chart: BarChart): string {
    const width = 760;
    const labelW = 230;
    const barH = 16;
    const gap = 14;
    const top = 48;
    const plotW = width - labelW - 90;
    const groupH = chart.series.length * barH + gap;
    const height = top + chart.groups.length * groupH + 30;
    const max = Math.max(1e-9, ...chart.groups.flatMap((g) => g.values.filter(Number.isFinite)), chart.marker?.value ?? 0);
    const x = (v: number) => labelW + (Math.max(0, v) / max) * plotW;
    const parts: string[] = [
        `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`,
        `<rect width="100%" height="100%" fill="white"/>`,
        `<text x="10" y="20" ${FONT} font-size="15" font-weight="bold">${esc(chart.title)}</text>`,
    ];
    chart.series.forEach((s, i) => {
        const lx = labelW + i * 170;
        parts.push(`<rect x="${lx}" y="28" width="12" height="12" fill="${COLORS[i % COLORS.length]}"/>`);
        parts.push(`<text x="${lx + 16}" y="38" ${FONT}>${esc(s)}</text>`);
    });
    chart.groups.forEach((g, gi) => {
        const gy = top + gi * groupH;
        parts.push(
            `<text x="${labelW - 8}" y="${gy + (chart.series.length * barH) / 2 + 4}" ${FONT} text-anchor="end">${esc(g.label)}</text>`,
        );
        g.values.forEach((v, si) => {
            const y = gy + si * barH;
            const w = Number.isFinite(v) ? x(v) - labelW : 0;
            parts.push(`<rect x="${labelW}" y="${y}" width="${w.toFixed(1)}" height="${barH - 3}" fill="${COLORS[si % COLORS.length]}"/>`);
            parts.push(`<text x="${(labelW + w + 4).toFixed(1)}" y="${y + barH - 5}" ${FONT}>${fmt(v)} ${esc(chart.unit)}</text>`);
        });
    });
    if (chart.marker) {
        const mx = x(chart.marker.value).toFixed(1);
        parts.push(`<line x1="${mx}" y1="${top - 4}" x2="${mx}" y2="${height - 24}" stroke="#c0392b" stroke-dasharray="4 3"/>`);
        parts.push(`<text x="${mx}" y="${height - 10}" ${FONT} fill="#c0392b" text-anchor="middle">${esc(chart.marker.label)}</text>`);
    }
    parts.push("</svg>");
    return parts.join("\n") + "\n";
}

export interface LineSeries {
    name: string;
    points: Array<{ x: number; y: number }>;
    /** Fitted line drawn dashed over the series' x range. */
    fit?: { slope: number; intercept: number };
}

export interface LineChart {
    title: string;
    xLabel: string;
    yLabel: string;
    series: LineSeries[];
}

/** Points joined by lines, with optional dashed least-squares lines; y starts at 0. */
export function lineChartSvg(chart: LineChart): string {
    const width = 760;
    const height = 380;
    const left = 70;
    const right = 20;
    const top = 50;
    const bottom = 50;
    const xs = chart.series.flatMap((s) => s.points.map((p) => p.x));
    const ys = chart.series.flatMap((s) => s.points.map((p) => p.y));
    const xMin = Math.min(...xs);
    const xMax = Math.max(...xs);
    const yMax = Math.max(1e-9, ...ys) * 1.1;
    const px = (x: number) => left + ((x - xMin) / Math.max(1e-9, xMax - xMin)) * (width - left - right);
    const py = (y: number) => height - bottom - (y / yMax) * (height - top - bottom);
    const parts: string[] = [
        `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`,
        `<rect width="100%" height="100%" fill="white"/>`,
        `<text x="10" y="20" ${FONT} font-size="15" font-weight="bold">${esc(chart.title)}</text>`,
        `<line x1="${left}" y1="${height - bottom}" x2="${width - right}" y2="${height - bottom}" stroke="black"/>`,
        `<line x1="${left}" y1="${top}" x2="${left}" y2="${height - bottom}" stroke="black"/>`,
        `<text x="${(left + width - right) / 2}" y="${height - 12}" ${FONT} text-anchor="middle">${esc(chart.xLabel)}</text>`,
        `<text x="16" y="${(top + height - bottom) / 2}" ${FONT} text-anchor="middle" transform="rotate(-90 16 ${(top + height - bottom) / 2})">${esc(chart.yLabel)}</text>`,
    ];
    for (const x of [...new Set(xs)].sort((a, b) => a - b)) {
        parts.push(`<text x="${px(x).toFixed(1)}" y="${height - bottom + 16}" ${FONT} text-anchor="middle">${fmt(x)}</text>`);
    }
    for (let i = 0; i <= 4; i++) {
        const v = (yMax / 4) * i;
        parts.push(`<text x="${left - 6}" y="${(py(v) + 4).toFixed(1)}" ${FONT} text-anchor="end">${fmt(v)}</text>`);
        parts.push(`<line x1="${left}" y1="${py(v).toFixed(1)}" x2="${width - right}" y2="${py(v).toFixed(1)}" stroke="#eee"/>`);
    }
    chart.series.forEach((s, i) => {
        const color = COLORS[(i + 1) % COLORS.length];
        const pts = [...s.points].sort((a, b) => a.x - b.x);
        parts.push(
            `<polyline fill="none" stroke="${color}" stroke-width="2" points="${pts.map((p) => `${px(p.x).toFixed(1)},${py(p.y).toFixed(1)}`).join(" ")}"/>`,
        );
        for (const p of pts) {
            parts.push(`<circle cx="${px(p.x).toFixed(1)}" cy="${py(p.y).toFixed(1)}" r="3.5" fill="${color}"/>`);
        }
        if (s.fit && pts.length > 1) {
            const a = pts[0].x;
            const b = pts[pts.length - 1].x;
            const ya = s.fit.intercept + s.fit.slope * a;
            const yb = s.fit.intercept + s.fit.slope * b;
            parts.push(
                `<line x1="${px(a).toFixed(1)}" y1="${py(ya).toFixed(1)}" x2="${px(b).toFixed(1)}" y2="${py(yb).toFixed(1)}" stroke="${color}" stroke-dasharray="5 4"/>`,
            );
        }
        const lx = left + 10 + i * 260;
        parts.push(`<rect x="${lx}" y="30" width="12" height="12" fill="${color}"/>`);
        parts.push(`<text x="${lx + 16}" y="40" ${FONT}>${esc(s.name)}</text>`);
    });
    parts.push("</svg>");
    return parts.join("\n") + "\n";
}
