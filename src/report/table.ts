// The scan command's stdout: a plain table of findings, or JSON.
import { type PipelineResult, unanalysedCount, unanalysedParts } from '../result.ts';
import { preExistingFindings, type ReportMode, reportedFindings } from './baseline.ts';
import { formatConfidence } from './findings.ts';
import { count } from './words.ts';

function pad(text: string, width: number): string {
  return text.length >= width ? text : text + ' '.repeat(width - text.length);
}

/** "No findings" only when nothing went unanalysed: otherwise the headline says the result is incomplete. */
function noFindingsHeadline(result: PipelineResult, mode: ReportMode = 'all'): string {
  const incomplete = unanalysedCount(result);
  const what =
    mode === 'new' && result.baseline && result.findings.length > 0 ? 'No new findings' : 'No findings';
  if (incomplete === 0) return `${what}.`;
  return (
    `${what} among the ${count(result.stats.analysed, 'analysed function')}, but the analysis is incomplete: ` +
    `${incomplete} not analysed or unclassified (below).`
  );
}

/** Lines after the table: what was already there (under `report: new`), what the change fixed, and why some stayed new. */
function deltaLines(result: PipelineResult, mode: ReportMode): string[] {
  const b = result.baseline;
  if (!b) return [];
  const s = b.stats;
  const lines = [
    `Against the base: ${s.states.new} new, ${s.states.unchanged + s.states.updated} already there, ${s.fixed} fixed; ` +
      `${count(s.baseAnalysed, 'base version')} compared (${count(s.baseRequests, 'extra request')}, ${s.baseCached} from cache).`,
  ];
  for (const f of preExistingFindings(result.findings, mode))
    lines.push(
      `  already there before: ${f.fn.file}:${f.fn.start}-${f.fn.end} ${f.fn.name} (${f.verdict.cwe ?? '-'}, ${formatConfidence(f.verdict.confidence)}, base ${f.baseline?.baseConfidence === undefined ? '-' : formatConfidence(f.baseline.baseConfidence)})`,
    );
  for (const x of b.fixed)
    lines.push(
      `  fixed: ${x.fn.file}:${x.fn.start}-${x.fn.end} ${x.fn.name} (${x.base.verdict.cwe ?? '-'}, was ${formatConfidence(x.base.verdict.confidence)}, now ${formatConfidence(x.headConfidence)})`,
    );
  for (const note of b.notes) lines.push(`  note: ${note}`);
  return lines;
}

export function renderTable(result: PipelineResult, mode: ReportMode = 'all'): string {
  // WHERE is the line the finding points at; a function with several weaknesses has a row for each.
  const rows = reportedFindings(result.findings, mode).map((f) => [
    formatConfidence(f.verdict.confidence),
    f.verdict.cwe ?? '-',
    `${f.fn.file}:${f.line}`,
    `${f.fn.name} (${f.fn.start}-${f.fn.end})`,
    f.explanation?.reason ?? f.verdict.reason ?? '',
  ]);
  const { stats } = result;
  const gaps = unanalysedParts(result);
  // analysed + unclassified + not analysed = changed functions; whole files left out are counted apart.
  const footer =
    `${count(stats.findings, 'finding')} in ${count(stats.changedFunctions, 'changed function')} ` +
    `(${stats.analysed} analysed, ${stats.unclassified} unclassified, ${gaps.functions} not analysed)` +
    `${gaps.files > 0 ? `; ${count(gaps.files, 'file')} not analysed` : ''}.`;
  const unanalysed = [
    ...result.skipped
      .filter((s) => s.reason !== 'ignored-path')
      .map(
        (s) => `  not analysed: ${s.file}${s.function ? ` ${s.function}` : ''} (${s.reason}: ${s.detail})`,
      ),
    ...result.unclassified.map((u) => `  unclassified: ${u.fn.file} ${u.fn.name}`),
  ];
  const delta = deltaLines(result, mode);
  if (rows.length === 0)
    return [noFindingsHeadline(result, mode), footer, ...delta, ...unanalysed].join('\n') + '\n';
  const header = ['CONF', 'CWE', 'WHERE', 'FUNCTION', 'WHY'];
  const widths = header.map((h, i) => Math.min(60, Math.max(h.length, ...rows.map((r) => r[i]!.length))));
  const line = (r: string[]) =>
    r
      .map((c, i) => (i === r.length - 1 ? c : pad(c, widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line), '', footer, ...delta, ...unanalysed].join('\n') + '\n';
}

export function renderJson(result: PipelineResult): string {
  return `${JSON.stringify(
    {
      findings: result.findings.map((f) => ({
        ruleId: f.ruleId,
        file: f.fn.file,
        name: f.fn.name,
        start: f.fn.start,
        end: f.fn.end,
        line: f.line,
        confidence: f.verdict.confidence,
        cwe: f.verdict.cwe ?? null,
        backend: f.verdict.backend,
        model: f.verdict.model,
        reason: f.verdict.reason ?? null,
        fingerprint: f.fingerprint,
        baseline: f.baseline ?? null,
        explanation: f.explanation ?? null,
      })),
      ...(result.baseline
        ? {
            fixed: result.baseline.fixed.map((x) => ({
              file: x.fn.file,
              name: x.fn.name,
              start: x.fn.start,
              end: x.fn.end,
              cwe: x.base.verdict.cwe ?? null,
              baseConfidence: x.base.verdict.confidence,
              confidence: x.headConfidence,
            })),
            baseline: {
              margin: result.baseline.margin,
              ...result.baseline.stats,
              notes: result.baseline.notes,
            },
          }
        : {}),
      unclassified: result.unclassified.map((u) => ({
        file: u.fn.file,
        name: u.fn.name,
        answer: u.verdict.rawAnswer,
      })),
      skipped: result.skipped,
      // `vulnerable` is kept for readers of the JSON from before it became the same as `findings`.
      stats: { ...result.stats, vulnerable: result.stats.findings },
    },
    null,
    2,
  )}\n`;
}
