// Time-series charts as inline SVG strings (pure). The report must open without a network, so
// no charting library: axes, grid, lines, steps, stacked bars, limits and event marks by hand.

export interface ChartSeries {
  label: string;
  color: string;
  /** [x seconds since load start, y] ; y null = gap. */
  points: [number, number | null][];
  kind: 'line' | 'step' | 'stack';
  dashed?: boolean;
}

export interface ChartMark {
  from: number;
  to: number;
  label: string;
  /** chaos: an action's band; termination: a pod's window; event: an instant (rescale, step start, interruption). */
  kind: 'chaos' | 'termination' | 'event';
  /** Hover text. */
  detail: string;
}

export interface ChartLimit {
  value: number;
  label: string;
}

export interface ChartSpec {
  id: string;
  title: string;
  yLabel: string;
  xDomain: [number, number];
  series: ChartSeries[];
  marks: ChartMark[];
  limits?: ChartLimit[];
  width?: number;
  height?: number;
}

const PAD = { left: 64, right: 16, top: 30, bottom: 40 };

export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** Round tick steps (1, 2, 5 × 10^k) giving about `count` ticks. */
export function niceTicks(min: number, max: number, count: number): number[] {
  if (!(max > min)) return [min];
  const raw = (max - min) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw)!;
  const ticks: number[] = [];
  for (let v = Math.ceil(min / step) * step; v <= max + step * 1e-9; v += step) ticks.push(Number(v.toFixed(10)));
  return ticks;
}

function fmtNum(v: number): string {
  const a = Math.abs(v);
  if (a >= 1e6) return `${(v / 1e6).toFixed(a >= 1e7 ? 0 : 1)}M`;
  if (a >= 1e4) return `${(v / 1e3).toFixed(0)}k`;
  if (a >= 1e3) return `${(v / 1e3).toFixed(1)}k`;
  if (Number.isInteger(v)) return String(v);
  return v.toFixed(a < 1 ? 2 : 1);
}

export function renderChart(spec: ChartSpec): string {
  const width = spec.width ?? 1000;
  const height = spec.height ?? 230;
  const plotW = width - PAD.left - PAD.right;
  const plotH = height - PAD.top - PAD.bottom;
  const [x0, x1] = spec.xDomain;
  const xs = (x: number) => PAD.left + ((Math.min(Math.max(x, x0), x1) - x0) / (x1 - x0 || 1)) * plotW;

  // y domain: data (stacks summed per x), limits only when they are near the data.
  const stackTotals = new Map<number, number>();
  let dataMax = 0;
  for (const s of spec.series) {
    for (const [x, y] of s.points) {
      if (y === null || x < x0 || x > x1) continue;
      if (s.kind === 'stack') stackTotals.set(x, (stackTotals.get(x) ?? 0) + y);
      else dataMax = Math.max(dataMax, y);
    }
  }
  for (const v of stackTotals.values()) dataMax = Math.max(dataMax, v);
  const onScale = (spec.limits ?? []).filter((l) => l.value <= Math.max(dataMax, 1) * 2.5);
  const offScale = (spec.limits ?? []).filter((l) => !onScale.includes(l));
  let yMax = Math.max(dataMax, ...onScale.map((l) => l.value), 1) * 1.1;
  const yTicks = niceTicks(0, yMax, 4);
  yMax = Math.max(yMax, yTicks.at(-1)!);
  const ys = (y: number) => PAD.top + plotH - (y / yMax) * plotH;

  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" id="${escapeXml(spec.id)}" class="chart" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${escapeXml(spec.title)}">`,
  );
  parts.push(`<text class="chart-title" x="${PAD.left}" y="18">${escapeXml(spec.title)}</text>`);
  // Marks under the data: chaos bands and termination windows.
  for (const m of spec.marks) {
    if (m.to < x0 || m.from > x1) continue;
    const a = xs(m.from);
    const b = Math.max(xs(m.to), a + 1.5);
    const cls = m.kind === 'chaos' ? 'mark-chaos' : m.kind === 'event' ? 'mark-event' : 'mark-term';
    parts.push(`<g class="${cls}"><title>${escapeXml(m.detail)}</title>`);
    if (m.kind !== 'event') parts.push(`<rect x="${a.toFixed(1)}" y="${PAD.top}" width="${(b - a).toFixed(1)}" height="${plotH}"/>`);
    parts.push(`<line x1="${a.toFixed(1)}" x2="${a.toFixed(1)}" y1="${PAD.top}" y2="${PAD.top + plotH}"/>`);
    parts.push('</g>');
  }
  // Grid and y axis.
  for (const v of yTicks) {
    const y = ys(v).toFixed(1);
    parts.push(`<line class="grid" x1="${PAD.left}" x2="${PAD.left + plotW}" y1="${y}" y2="${y}"/>`);
    parts.push(`<text class="tick" x="${PAD.left - 6}" y="${y}" text-anchor="end" dominant-baseline="middle">${fmtNum(v)}</text>`);
  }
  for (const v of niceTicks(x0, x1, 10)) {
    const x = xs(v).toFixed(1);
    parts.push(`<line class="grid grid-x" x1="${x}" x2="${x}" y1="${PAD.top}" y2="${PAD.top + plotH}"/>`);
    parts.push(`<text class="tick" x="${x}" y="${PAD.top + plotH + 16}" text-anchor="middle">${fmtNum(v)}</text>`);
  }
  parts.push(`<line class="axis" x1="${PAD.left}" x2="${PAD.left + plotW}" y1="${PAD.top + plotH}" y2="${PAD.top + plotH}"/>`);
  parts.push(`<line class="axis" x1="${PAD.left}" x2="${PAD.left}" y1="${PAD.top}" y2="${PAD.top + plotH}"/>`);
  parts.push(`<text class="axis-label" x="${PAD.left + plotW / 2}" y="${height - 6}" text-anchor="middle">seconds since load start</text>`);
  parts.push(
    `<text class="axis-label" transform="translate(14 ${PAD.top + plotH / 2}) rotate(-90)" text-anchor="middle">${escapeXml(spec.yLabel)}</text>`,
  );

  // Stacked bars, one per second.
  const stacks = spec.series.filter((s) => s.kind === 'stack');
  if (stacks.length) {
    const base = new Map<number, number>();
    const barW = Math.max(1, plotW / Math.max(1, x1 - x0) - 0.6);
    for (const s of stacks) {
      parts.push(`<g class="series" fill="${s.color}"><title>${escapeXml(s.label)}</title>`);
      for (const [x, y] of s.points) {
        if (!y || x < x0 || x >= x1) continue;
        const b0 = base.get(x) ?? 0;
        base.set(x, b0 + y);
        const top = ys(b0 + y);
        parts.push(`<rect x="${xs(x).toFixed(1)}" y="${top.toFixed(1)}" width="${barW.toFixed(1)}" height="${(ys(b0) - top).toFixed(1)}"><title>${escapeXml(`${s.label} at ${x} s: ${fmtNum(y)}`)}</title></rect>`);
      }
      parts.push('</g>');
    }
  }
  // Lines and steps.
  for (const s of spec.series.filter((x) => x.kind !== 'stack')) {
    const segs: string[] = [];
    let cur = '';
    let prevY: number | null = null;
    for (const [x, y] of s.points) {
      if (y === null || x < x0 - 1e-9 || x > x1 + 1e-9) {
        if (cur) segs.push(cur);
        cur = '';
        prevY = null;
        continue;
      }
      const px = xs(x).toFixed(1);
      const py = ys(y).toFixed(1);
      if (!cur) cur = `M${px},${py}`;
      else if (s.kind === 'step' && prevY !== null) cur += `H${px}V${py}`;
      else cur += `L${px},${py}`;
      prevY = y;
    }
    if (cur && s.kind === 'step' && prevY !== null) cur += `H${xs(x1).toFixed(1)}`;
    if (cur) segs.push(cur);
    if (!segs.length) continue;
    parts.push(
      `<path class="series line" d="${segs.join(' ')}" stroke="${s.color}"${s.dashed ? ' stroke-dasharray="6 4"' : ''}><title>${escapeXml(s.label)}</title></path>`,
    );
  }
  for (const l of onScale) {
    const y = ys(l.value).toFixed(1);
    parts.push(`<line class="limit" x1="${PAD.left}" x2="${PAD.left + plotW}" y1="${y}" y2="${y}"><title>${escapeXml(l.label)}</title></line>`);
    parts.push(`<text class="limit-label" x="${PAD.left + plotW - 4}" y="${(Number(y) - 4).toFixed(1)}" text-anchor="end">${escapeXml(l.label)}</text>`);
  }
  // Mark labels on top of everything (chaos above the plot, terminations inside it).
  let termRow = 0;
  for (const m of spec.marks) {
    if (m.to < x0 || m.from > x1) continue;
    const a = xs(m.from);
    if (m.kind === 'chaos') {
      parts.push(`<text class="mark-label-chaos" x="${(a + 3).toFixed(1)}" y="${PAD.top - 4}">${escapeXml(m.label)}</text>`);
    } else if (m.kind === 'event') {
      parts.push(`<text class="mark-label-event" x="${(a + 3).toFixed(1)}" y="${PAD.top + plotH - 4}">${escapeXml(m.label)}</text>`);
    } else {
      const y = PAD.top + 12 + (termRow++ % 3) * 12;
      parts.push(`<text class="mark-label-term" x="${(a + 3).toFixed(1)}" y="${y}">${escapeXml(m.label)}</text>`);
    }
  }
  parts.push('</svg>');

  const legend = [
    ...spec.series.map((s) => `<span class="key"><i style="background:${s.color}"${s.dashed ? ' class="dashed"' : ''}></i>${escapeXml(s.label)}</span>`),
    ...(spec.marks.some((m) => m.kind === 'chaos') ? ['<span class="key"><i class="key-chaos"></i>chaos action</span>'] : []),
    ...(spec.marks.some((m) => m.kind === 'termination') ? ['<span class="key"><i class="key-term"></i>pod termination (deleting → exit + 2 s)</span>'] : []),
    ...(spec.marks.some((m) => m.kind === 'event') ? ['<span class="key"><i class="key-event"></i>load step, HPA rescale, interruption</span>'] : []),
    ...onScale.map((l) => `<span class="key"><i class="key-limit"></i>${escapeXml(l.label)}</span>`),
    ...offScale.map((l) => `<span class="key off-scale">${escapeXml(l.label)} (above the chart)</span>`),
  ];
  return `<figure class="chart-box">${parts.join('')}<figcaption class="legend">${legend.join('')}</figcaption></figure>`;
}
