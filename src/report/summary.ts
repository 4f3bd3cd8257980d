// The job summary (markdown): what was analysed, what was found, what was left out and why.
import { fileWarnings } from '../extract/warnings.ts';
import { type PipelineResult, unanalysedCount, unanalysedParts } from '../result.ts';
import type { Finding, SkipReason } from '../types.ts';
import { preExistingFindings, type ReportMode, reportedFindings } from './baseline.ts';
import { formatConfidence, pathToUri } from './findings.ts';
import { escapeMarkdown, sanitize } from './markdown.ts';
import { count } from './words.ts';

/** GitHub caps a step summary at 1 MiB; a long table is cut with a note. */
export const MAX_SUMMARY_ROWS = 200;

export interface SummaryContext {
  backend: string;
  model: string;
  /** Said once at the top, e.g. "no endpoint configured: using the offline rules backend". */
  notice?: string;
  /** Whole run, including GitHub calls. */
  durationMs: number;
  /** For links to the lines; without it the table shows plain paths. */
  blobBaseUrl?: string;
  /** Threshold of the gate, shown with the high-confidence count. */
  failOnConfidence?: number;
  /** `new`: the findings table lists what the change made worse; the rest are listed apart. Default `all`. */
  report?: ReportMode;
}

const SKIP_LABEL: Record<SkipReason, string> = {
  'too-large': 'file over the size limit',
  binary: 'binary file',
  unreadable: 'file unreadable at the head revision',
  'too-long': 'function over the token budget',
  'backend-error': 'model failed after retries',
  'budget-exhausted': 'time budget ran out',
  'ignored-path': 'excluded by paths / paths-ignore (not counted as unanalysed)',
  unparsed: 'file with changes in code that did not parse',
};

/** `https://github.com/o/r/blob/SHA` → link to a file's lines (one line when `end` is left out). */
export function lineLink(blobBaseUrl: string, path: string, start: number, end?: number): string {
  // encodeURIComponent leaves `(` and `)`: a `)` in a path would end the Markdown link early.
  const uri = pathToUri(path).replace(/\(/g, '%28').replace(/\)/g, '%29');
  return `${blobBaseUrl}/${uri}#L${start}${end === undefined ? '' : `-L${end}`}`;
}

/** A table cell inside a code span: only `|` still needs escaping there (GFM splits cells first). */
function codeCell(text: string): string {
  return sanitize(text, 200).replace(/\|/g, '\\|');
}

/** A table cell of untrusted prose (paths, model answers): escaped, so it renders as the text it is. */
function cell(text: string): string {
  return escapeMarkdown(text, 200);
}

function confidenceBands(findings: readonly Finding[]): string {
  const high = findings.filter((f) => f.verdict.confidence >= 0.8).length;
  const medium = findings.filter((f) => f.verdict.confidence >= 0.5 && f.verdict.confidence < 0.8).length;
  const low = findings.length - high - medium;
  return `${high} high (≥ 0.8), ${medium} medium (0.5–0.8), ${low} low (< 0.5)`;
}

export function renderSummary(result: PipelineResult, ctx: SummaryContext): string {
  const { stats, findings } = result;
  const lines = ['## vulnreview', ''];
  // A notice can quote what a server said (a model name): prose, escaped like any untrusted text.
  if (ctx.notice) lines.push(`> ${escapeMarkdown(ctx.notice, 1000)}`, '');
  const incomplete = unanalysedCount(result);
  if (incomplete > 0) {
    // Said first, so that an empty findings table is never read as "the change is safe".
    lines.push(
      `> **Incomplete analysis:** ${incomplete} of the changed functions or files got no yes/no verdict ` +
        '(listed under "Not analysed"); no finding there means nothing.',
      '',
    );
  }
  const mode = ctx.report ?? 'all';
  const gating = reportedFindings(findings, mode);
  const gaps = unanalysedParts(result);
  const flagged = new Set(findings.map((f) => `${f.fn.file}\0${f.fn.start}\0${f.fn.name}`)).size;
  const gate =
    ctx.failOnConfidence !== undefined
      ? `, ${gating.filter((f) => f.verdict.confidence >= ctx.failOnConfidence!).length}${mode === 'new' && result.baseline ? ' new' : ''} at or above the gate (${ctx.failOnConfidence})`
      : '';
  lines.push(
    '| | |',
    '| --- | --- |',
    `| Files changed | ${stats.changedFiles} (${stats.sourceFiles} C/C++) |`,
    // The three parts add up to the changed functions; files left out whole are counted apart.
    `| Changed functions | ${stats.changedFunctions} |`,
    `| Analysed | ${stats.analysed}${stats.cached ? ` (${stats.cached} from cache)` : ''} |`,
    `| Unclassified answers | ${stats.unclassified} |`,
    `| Not analysed | ${gaps.functions} |`,
    ...(gaps.files > 0 ? [`| Files not analysed | ${gaps.files} (their functions are not known) |`] : []),
    `| Findings | ${stats.findings}${stats.findings > 0 ? ` in ${count(flagged, 'function')}` : ''}: ${confidenceBands(findings)}${gate} |`,
    ...baselineRows(result),
    ...explanationRows(result),
    `| Backend / model | \`${codeCell(ctx.backend)}\` / \`${codeCell(ctx.model)}\` |`,
    `| Time | ${(ctx.durationMs / 1000).toFixed(1)} s |`,
    '',
  );
  const listed = mode === 'new' ? gating : findings;
  if (listed.length > 0) {
    lines.push(
      mode === 'new' && result.baseline ? '### New findings' : '### Findings',
      '',
      '| Confidence | Class | Function | Where |',
      '| --- | --- | --- | --- |',
    );
    // One row per finding, at its own line: a function with two weaknesses has two rows.
    for (const f of listed.slice(0, MAX_SUMMARY_ROWS)) {
      const where = `${f.fn.file}:${f.line}`;
      const link = ctx.blobBaseUrl
        ? `[${cell(where)}](${lineLink(ctx.blobBaseUrl, f.fn.file, f.line)})`
        : cell(where);
      lines.push(
        `| ${formatConfidence(f.verdict.confidence)} | ${f.verdict.cwe ?? 'unnamed'} | \`${codeCell(f.fn.name)}\` (lines ${f.fn.start}–${f.fn.end}) | ${link} |`,
      );
    }
    if (listed.length > MAX_SUMMARY_ROWS)
      lines.push('', `… and ${listed.length - MAX_SUMMARY_ROWS} more in the SARIF file.`);
    lines.push('');
  }
  lines.push(...deltaSections(result, ctx, mode));
  const notAnalysed = [
    ...result.skipped.map((s) => ({
      file: s.file,
      fn: s.function,
      why: `${SKIP_LABEL[s.reason]}: ${s.detail}`,
    })),
    ...result.unclassified.map((u) => ({
      file: u.fn.file,
      fn: u.fn.name,
      why: `unclassified answer: ${u.verdict.rawAnswer}`,
    })),
  ];
  if (notAnalysed.length > 0) {
    const counts = Object.entries(stats.skippedByReason)
      .map(([reason, n]) => `${n} ${SKIP_LABEL[reason as SkipReason]}`)
      .join('; ');
    lines.push(
      '### Not analysed',
      '',
      counts ? `${counts}.` : '',
      '',
      '| File | Function | Why |',
      '| --- | --- | --- |',
    );
    for (const s of notAnalysed.slice(0, MAX_SUMMARY_ROWS)) {
      lines.push(`| ${cell(s.file)} | ${s.fn ? `\`${codeCell(s.fn)}\`` : '(whole file)'} | ${cell(s.why)} |`);
    }
    if (notAnalysed.length > MAX_SUMMARY_ROWS)
      lines.push('', `… and ${notAnalysed.length - MAX_SUMMARY_ROWS} more.`);
    lines.push('');
  }
  const warnings = fileWarnings(result.files);
  if (warnings.length > 0) {
    lines.push('### Parse warnings', '');
    for (const w of warnings.slice(0, MAX_SUMMARY_ROWS)) lines.push(`- ${escapeMarkdown(w, 300)}`);
    if (warnings.length > MAX_SUMMARY_ROWS)
      lines.push('', `… and ${warnings.length - MAX_SUMMARY_ROWS} more.`);
    lines.push('');
  }
  return lines.join('\n');
}

/** The summary's row on the comparison with the base: what it cost and what it found. */
function baselineRows(result: PipelineResult): string[] {
  const b = result.baseline;
  if (!b) return [];
  const s = b.stats;
  const cost = `${s.baseRequests} extra model ${s.baseRequests === 1 ? 'request' : 'requests'}, ${s.baseCached} from cache`;
  const unknown = s.baseUnknown > 0 ? `; ${s.baseUnknown} not compared (findings there count as new)` : '';
  return [
    `| Compared with the base | ${s.matched} changed ${s.matched === 1 ? 'function' : 'functions'} had a base version (${s.added} new), ${s.baseAnalysed} compared; ${cost}${unknown} |`,
    `| Against the base | ${s.states.new} new, ${s.states.unchanged + s.states.updated} already there, ${s.fixed} fixed (margin ${b.margin}) |`,
  ];
}

/** The explanation stage's row: how many findings got a line and a reason, and how many failed. */
function explanationRows(result: PipelineResult): string[] {
  const e = result.explanations;
  if (!e) return [];
  const parts = [`${e.explained} explained by \`${codeCell(e.model)}\``];
  if (e.failed > 0) parts.push(`**${e.failed} failed** (those findings stand without an explanation)`);
  if (e.notReached > 0) parts.push(`${e.notReached} not reached (time budget)`);
  if (e.fromBackend > 0) parts.push(`${e.fromBackend} with the backend's own line and reason`);
  return [`| Explanations | ${parts.join(', ')} |`];
}

/** A finding's place, linked to its lines when the summary knows the blob URL. */
function whereCell(f: Finding, ctx: SummaryContext): string {
  const where = `${f.fn.file}:${f.fn.start}-${f.fn.end}`;
  return ctx.blobBaseUrl
    ? `[${cell(where)}](${lineLink(ctx.blobBaseUrl, f.fn.file, f.fn.start, f.fn.end)})`
    : cell(where);
}

/** "Already there before this PR" (collapsed, under `report: new`) and "Fixed by this PR". */
function deltaSections(result: PipelineResult, ctx: SummaryContext, mode: ReportMode): string[] {
  const b = result.baseline;
  if (!b) return [];
  const lines: string[] = [];
  const before = preExistingFindings(result.findings, mode);
  if (before.length > 0) {
    lines.push(
      '<details>',
      `<summary><b>Already there before this PR</b>: ${before.length} ${before.length === 1 ? 'finding' : 'findings'} in changed functions that the base version had too (listed, not gating)</summary>`,
      '',
      '| Confidence | Base | Class | Function | Where |',
      '| --- | --- | --- | --- | --- |',
    );
    for (const f of before.slice(0, MAX_SUMMARY_ROWS)) {
      const base = f.baseline?.baseConfidence;
      lines.push(
        `| ${formatConfidence(f.verdict.confidence)} | ${base === undefined ? '–' : formatConfidence(base)}${f.baseline?.state === 'updated' ? ' (updated)' : ''} | ${f.verdict.cwe ?? 'unnamed'} | \`${codeCell(f.fn.name)}\` | ${whereCell(f, ctx)} |`,
      );
    }
    if (before.length > MAX_SUMMARY_ROWS)
      lines.push('', `… and ${before.length - MAX_SUMMARY_ROWS} more in the SARIF file.`);
    lines.push('', '</details>', '');
  }
  if (b.fixed.length > 0) {
    lines.push(
      '### Fixed by this PR',
      '',
      'Flagged in the base version, not any more:',
      '',
      '| Was | Now | Class | Function | Where |',
      '| --- | --- | --- | --- | --- |',
    );
    for (const x of b.fixed.slice(0, MAX_SUMMARY_ROWS)) {
      const where = `${x.fn.file}:${x.fn.start}-${x.fn.end}`;
      const link = ctx.blobBaseUrl
        ? `[${cell(where)}](${lineLink(ctx.blobBaseUrl, x.fn.file, x.fn.start, x.fn.end)})`
        : cell(where);
      lines.push(
        `| ${formatConfidence(x.base.verdict.confidence)} | ${formatConfidence(x.headConfidence)} | ${x.base.verdict.cwe ?? 'unnamed'} | \`${codeCell(x.fn.name)}\` | ${link} |`,
      );
    }
    if (b.fixed.length > MAX_SUMMARY_ROWS) lines.push('', `… and ${b.fixed.length - MAX_SUMMARY_ROWS} more.`);
    lines.push('');
  }
  if (b.notes.length > 0) {
    lines.push('### Compared with the base', '');
    for (const note of b.notes.slice(0, MAX_SUMMARY_ROWS)) lines.push(`- ${escapeMarkdown(note, 400)}`);
    lines.push('');
  }
  return lines;
}

/** What the review step did, as the GitHub adapter reports it (github/reviews.ts ReviewOutcome). */
export interface ReviewCounts {
  inline: number;
  fileLevel: number;
  /** Findings listed in the review body (cap, unplaceable, or moved there after a 422). */
  inBody: number;
  removed: number;
  markedFixed: number;
  /** A write was refused with 403 before anything else was written. */
  readOnly: boolean;
  reviewPosted: boolean;
}

/** One line for the job summary saying what the review step posted, or why it posted nothing. */
export function renderReviewNote(r: ReviewCounts): string {
  const posted = r.reviewPosted || r.fileLevel > 0 || r.removed > 0 || r.markedFixed > 0;
  if (r.readOnly && !posted)
    return '> Review comments were not posted: the token is read-only (a pull request from a fork, or no `pull-requests: write`).';
  const parts = [
    count(r.inline, 'inline comment'),
    count(r.fileLevel, 'file-level comment'),
    `${count(r.inBody, 'finding')} listed in the review body`,
  ];
  const tidy = [
    ...(r.removed > 0 ? [`${count(r.removed, 'outdated comment')} removed`] : []),
    ...(r.markedFixed > 0 ? [`${count(r.markedFixed, 'comment')} marked fixed`] : []),
  ];
  const what = r.reviewPosted ? `Review posted: ${parts.join(', ')}` : 'No new review (nothing new to post)';
  return `> ${what}${tidy.length > 0 ? `; ${tidy.join(', ')}` : ''}.`;
}
