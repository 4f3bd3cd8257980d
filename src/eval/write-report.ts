// Writes an evaluation's three files: eval.md, eval.json and pr-curve.svg, each whole or not at all.
import { mkdir, rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { writeFileAtomic as writeFile } from '../output-file.ts';
import { type EvalReport, renderJson, renderMarkdown } from './report.ts';
import { renderPrCurveSvg } from './svg.ts';

export async function writeEvalReport(report: EvalReport, outDir: string): Promise<string[]> {
  await mkdir(outDir, { recursive: true });
  const written = [join(outDir, 'eval.md'), join(outDir, 'eval.json')];
  await writeFile(written[0]!, renderMarkdown(report));
  await writeFile(written[1]!, renderJson(report));
  const svgPath = join(outDir, 'pr-curve.svg');
  const curve = report.metrics.prCurve;
  if (curve) {
    const title = `${report.run.backend} · ${report.run.model} on ${basename(report.run.dataset)}${report.run.partial ? ' (partial)' : ''}`;
    await writeFile(svgPath, renderPrCurveSvg(curve, title));
    written.push(svgPath);
  } else {
    // A chart left from an earlier run would describe other verdicts.
    await rm(svgPath, { force: true });
  }
  return written;
}
