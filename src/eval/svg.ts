// The precision–recall curve as a standalone SVG a person can open in a browser: axes with ticks and
// labels, the random-guess line, the best-F1 point and the target-precision point, and a legend.

import type { PrCurve } from './metrics.ts';
import { fmt } from './report.ts';

const WIDTH = 640;
const HEIGHT = 460;
const PLOT = { left: 72, right: 24, top: 64, bottom: 64 };
const PLOT_W = WIDTH - PLOT.left - PLOT.right;
const PLOT_H = HEIGHT - PLOT.top - PLOT.bottom;
const COLORS = { curve: '#1f6feb', best: '#d1242f', target: '#9a6700', baseline: '#8c959f', grid: '#d8dee4' };

const x = (recall: number): number => PLOT.left + recall * PLOT_W;
const y = (precision: number): number => PLOT.top + (1 - precision) * PLOT_H;
const n = (value: number): string => value.toFixed(1);

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function axes(): string[] {
  const parts: string[] = [];
  for (let i = 0; i <= 5; i++) {
    const v = i / 5;
    const label = v.toFixed(1);
    parts.push(
      `<line x1="${n(x(v))}" y1="${PLOT.top}" x2="${n(x(v))}" y2="${PLOT.top + PLOT_H}" stroke="${COLORS.grid}" stroke-width="1"/>`,
      `<line x1="${PLOT.left}" y1="${n(y(v))}" x2="${PLOT.left + PLOT_W}" y2="${n(y(v))}" stroke="${COLORS.grid}" stroke-width="1"/>`,
      `<line x1="${n(x(v))}" y1="${PLOT.top + PLOT_H}" x2="${n(x(v))}" y2="${PLOT.top + PLOT_H + 5}" stroke="#24292f"/>`,
      `<text x="${n(x(v))}" y="${PLOT.top + PLOT_H + 20}" text-anchor="middle">${label}</text>`,
      `<line x1="${PLOT.left - 5}" y1="${n(y(v))}" x2="${PLOT.left}" y2="${n(y(v))}" stroke="#24292f"/>`,
      `<text x="${PLOT.left - 9}" y="${n(y(v) + 4)}" text-anchor="end">${label}</text>`,
    );
  }
  parts.push(
    `<rect x="${PLOT.left}" y="${PLOT.top}" width="${PLOT_W}" height="${PLOT_H}" fill="none" stroke="#24292f"/>`,
    `<text x="${n(PLOT.left + PLOT_W / 2)}" y="${HEIGHT - 18}" text-anchor="middle" font-weight="bold">Recall</text>`,
    `<text transform="translate(20 ${n(PLOT.top + PLOT_H / 2)}) rotate(-90)" text-anchor="middle" font-weight="bold">Precision</text>`,
  );
  return parts;
}

function legend(
  entries: { color: string; label: string; kind: 'line' | 'dash' | 'dot' | 'diamond' }[],
): string[] {
  const width = 16 + Math.max(...entries.map((e) => e.label.length)) * 6.6 + 30;
  // Bottom left: low precision at low recall is where a PR curve almost never runs.
  const height = entries.length * 20 + 8;
  const left = PLOT.left + 8;
  const top = PLOT.top + PLOT_H - height - 8;
  const parts = [
    `<rect x="${n(left)}" y="${top}" width="${n(width)}" height="${height}" fill="#ffffff" fill-opacity="0.92" stroke="${COLORS.grid}"/>`,
  ];
  entries.forEach((entry, i) => {
    const cy = top + 14 + i * 20;
    const sx = left + 8;
    if (entry.kind === 'line' || entry.kind === 'dash') {
      const dash = entry.kind === 'dash' ? ' stroke-dasharray="5 4"' : '';
      parts.push(
        `<line x1="${n(sx)}" y1="${cy}" x2="${n(sx + 22)}" y2="${cy}" stroke="${entry.color}" stroke-width="2.5"${dash}/>`,
      );
    } else parts.push(marker(entry.kind, sx + 11, cy, entry.color));
    parts.push(`<text x="${n(sx + 30)}" y="${cy + 4}">${escapeXml(entry.label)}</text>`);
  });
  return parts;
}

function marker(kind: 'dot' | 'diamond', cx: number, cy: number, color: string): string {
  if (kind === 'dot')
    return `<circle cx="${n(cx)}" cy="${n(cy)}" r="6" fill="${color}" stroke="#ffffff" stroke-width="1.5"/>`;
  const r = 7;
  return `<polygon points="${n(cx)},${n(cy - r)} ${n(cx + r)},${n(cy)} ${n(cx)},${n(cy + r)} ${n(cx - r)},${n(cy)}" fill="${color}" stroke="#ffffff" stroke-width="1.5"/>`;
}

/** Renders the curve; `title` names the backend/model and data set. */
export function renderPrCurveSvg(curve: PrCurve, title: string): string {
  const prevalence = curve.positives / (curve.positives + curve.negatives);
  // Start at recall 0 with the first point's precision, so the curve begins at the y axis.
  const first = curve.points[0]!;
  const path = [
    `${n(x(0))},${n(y(first.precision))}`,
    ...curve.points.map((p) => `${n(x(p.recall))},${n(y(p.precision))}`),
  ];
  const best = curve.bestF1;
  const target = curve.atTargetPrecision;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="Helvetica, Arial, sans-serif" font-size="12" fill="#24292f" role="img">`,
    // A title makes the chart readable to screen readers and shows as a tooltip.
    `<title>${escapeXml(`Precision-recall curve: ${title}`)}</title>`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="#ffffff"/>`,
    `<text x="${PLOT.left}" y="24" font-size="15" font-weight="bold">${escapeXml(title)}</text>`,
    `<text x="${PLOT.left}" y="44" fill="#57606a">${escapeXml(
      `PR-AUC (average precision) ${fmt(curve.averagePrecision)} · ${curve.positives} vulnerable, ${curve.negatives} not · ${curve.points.length} thresholds`,
    )}</text>`,
    ...axes(),
    `<line x1="${n(x(0))}" y1="${n(y(prevalence))}" x2="${n(x(1))}" y2="${n(y(prevalence))}" stroke="${COLORS.baseline}" stroke-width="1.5" stroke-dasharray="5 4"/>`,
    `<polyline points="${path.join(' ')}" fill="none" stroke="${COLORS.curve}" stroke-width="2.5" stroke-linejoin="round"/>`,
    ...(curve.points.length <= 40
      ? curve.points.map(
          (p) => `<circle cx="${n(x(p.recall))}" cy="${n(y(p.precision))}" r="2.5" fill="${COLORS.curve}"/>`,
        )
      : []),
    target ? marker('diamond', x(target.recall), y(target.precision), COLORS.target) : '',
    marker('dot', x(best.recall), y(best.precision), COLORS.best),
    `<text x="${n(x(best.recall) + (best.recall > 0.8 ? -10 : 10))}" y="${n(y(best.precision) + (best.precision > 0.9 ? 18 : -10))}" text-anchor="${best.recall > 0.8 ? 'end' : 'start'}" fill="${COLORS.best}" font-weight="bold">F1 ${fmt(best.f1, 2)}</text>`,
    ...legend([
      { color: COLORS.curve, label: 'precision–recall', kind: 'line' },
      { color: COLORS.baseline, label: `random guess (${fmt(prevalence, 2)})`, kind: 'dash' },
      {
        color: COLORS.best,
        label: `best F1 ${fmt(best.f1, 2)} at confidence ≥ ${fmt(best.threshold, 2)}`,
        kind: 'dot',
      },
      ...(target
        ? [
            {
              color: COLORS.target,
              label: `precision ≥ ${fmt(curve.targetPrecision, 2)} at confidence ≥ ${fmt(target.threshold, 2)}`,
              kind: 'diamond' as const,
            },
          ]
        : []),
    ]),
    '</svg>',
  ];
  return `${parts.filter(Boolean).join('\n')}\n`;
}
