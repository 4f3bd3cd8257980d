// SARIF 2.1.0 for GitHub code scanning: one rule per weakness class, one result per finding.
//
// What code scanning does with a result decides its shape (docs/action.md, "SARIF"):
// - The primary location is the one line the finding points at (Finding.line). The pull request check
//   shows an alert only when every line of its primary location is in the diff, so a whole-function
//   region would hide a finding in a function whose first lines the change did not touch.
// - The function is a related location and a logical location; the message links to it.
// - partialFingerprints carries our own fingerprint and GitHub's primaryLocationLineHash, computed from
//   the head's bytes (extract/line-hash.ts): upload-sarif writes that hash only when it can open the file
//   on disk, and code scanning tracks an alert across pushes by it.

import { writeFileAtomic } from '../output-file.ts';
import type { PipelineResult } from '../result.ts';
import type { BackendName, ChangedFunction, Finding, Skipped, Verdict } from '../types.ts';
import { VERSION } from '../version.ts';
import { normalizeCategory } from './category.ts';
import { ALL_WEAKNESSES, type WeaknessInfo, weaknessFor } from './cwe.ts';
import { formatConfidence, pathToUri } from './findings.ts';

/**
 * GitHub stores at most 5,000 results per run (25,000 accepted) and rejects files over 10 MB gzipped.
 * Results are sorted most confident first, so the cap drops the least confident; a notification says so.
 */
export const MAX_SARIF_RESULTS = 5000;
/** Each skipped function becomes a notification; past this many they are summarized in one. */
export const MAX_SARIF_NOTIFICATIONS = 1000;
/** Keeps one result's message short whatever a backend's reason holds. */
const MAX_MESSAGE_CHARS = 1000;

export const SARIF_SCHEMA_URI = 'https://json.schemastore.org/sarif-2.1.0.json';
export const FINGERPRINT_KEY = 'vulnreview/v1';
/** The partial fingerprint code scanning tracks alerts by (see extract/line-hash.ts). */
export const LINE_HASH_KEY = 'primaryLocationLineHash';
/** `relatedLocations[].id` of the finding's function, which the message links to as `[name](1)`. */
const FUNCTION_LOCATION_ID = 1;

export interface SarifInput {
  findings: readonly Finding[];
  /** Files or functions left unanalysed (not those excluded by paths). */
  skipped: readonly Skipped[];
  unclassified: ReadonlyArray<{ fn: ChangedFunction; verdict: Verdict }>;
  /**
   * Functions that got a yes/no verdict. With none while something went unanalysed, nothing could be
   * analysed and the run is reported as an unsuccessful execution; any other gap is only a notification.
   */
  analysed: number;
  backend: BackendName;
  model: string;
  /** `runAutomationDetails.id`, e.g. `vulnreview/` (a trailing `/` is added when missing). */
  category: string;
  /** GitHub's line hash of a line of the head revision, when it is known. */
  lineHash?: (path: string, line: number) => string | undefined;
}

/** SARIF confidence → level: code scanning shows `error` as the most severe. */
export function levelFor(confidence: number): 'error' | 'warning' | 'note' {
  if (confidence >= 0.8) return 'error';
  if (confidence >= 0.5) return 'warning';
  return 'note';
}

function ruleOf(w: WeaknessInfo): Record<string, unknown> {
  const tags = ['security', ...(w.cweNumber ? [`external/cwe/cwe-${w.cweNumber}`] : [])];
  const advice =
    'vulnreview points at the line that raised the finding and links the function it is in; review the whole function for this weakness.';
  return {
    id: w.ruleId,
    name: w.name,
    shortDescription: { text: w.title },
    fullDescription: { text: w.description },
    help: {
      text: `${w.description} See ${w.helpUri}. ${advice}`,
      markdown: `${w.description}\n\nSee [${w.cwe ?? 'CWE'}](${w.helpUri}). ${advice}`,
    },
    helpUri: w.helpUri,
    defaultConfiguration: { level: 'warning' },
    properties: {
      tags,
      precision: 'medium',
      'problem.severity': 'warning',
      'security-severity': w.securitySeverity,
    },
  };
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/**
 * Text made literal inside a SARIF plain-text message: a backslash or square bracket is escaped, so a
 * function named `operator[]` or a reason quoting `buf[16](…)` can never read as an embedded link.
 */
export function escapeSarifText(text: string): string {
  return text.replace(/[\\[\]]/g, (c) => `\\${c}`);
}

/**
 * The result's message: the weakness, the function as a link to its related location, the confidence,
 * backend and model, then the backend's reason (cut to keep the whole under MAX_MESSAGE_CHARS).
 */
export function findingMessage(f: Finding): string {
  const w = weaknessFor(f.verdict.cwe);
  const what = f.verdict.cwe ? `${w.title} (${f.verdict.cwe})` : w.title;
  const head = `${what} in function [${escapeSarifText(f.fn.name)}](${FUNCTION_LOCATION_ID}), confidence ${formatConfidence(f.verdict.confidence)} (${escapeSarifText(`${f.verdict.backend}, ${f.verdict.model}`)}).`;
  const reason = (f.explanation?.reason ?? f.verdict.reason)?.trim();
  if (!reason) return head;
  const room = MAX_MESSAGE_CHARS - head.length - 1;
  return room > 1 ? `${head} ${truncateEscaped(escapeSarifText(reason), room)}` : head;
}

/** Cuts escaped text to `max` characters without splitting an escape (`\\[` stays whole or goes). */
function truncateEscaped(text: string, max: number): string {
  if (text.length <= max) return text;
  let cut = text.slice(0, max - 1);
  const trailing = /\\*$/.exec(cut)![0].length;
  if (trailing % 2 === 1) cut = cut.slice(0, -1);
  return `${cut}…`;
}

function artifact(path: string): Record<string, unknown> {
  return { uri: pathToUri(path), uriBaseId: '%SRCROOT%' };
}

function resultOf(f: Finding, ruleIndex: number, lineHash: SarifInput['lineHash']): Record<string, unknown> {
  const hash = lineHash?.(f.fn.file, f.line);
  return {
    ruleId: f.ruleId,
    ruleIndex,
    level: levelFor(f.verdict.confidence),
    message: { text: findingMessage(f) },
    locations: [
      {
        physicalLocation: { artifactLocation: artifact(f.fn.file), region: { startLine: f.line } },
        logicalLocations: [{ name: f.fn.name, fullyQualifiedName: f.fn.name, kind: 'function' }],
      },
    ],
    relatedLocations: [
      {
        id: FUNCTION_LOCATION_ID,
        physicalLocation: {
          artifactLocation: artifact(f.fn.file),
          region: { startLine: f.fn.start, endLine: f.fn.end },
        },
        message: { text: `function ${escapeSarifText(f.fn.name)} (lines ${f.fn.start}-${f.fn.end})` },
      },
    ],
    partialFingerprints: {
      [FINGERPRINT_KEY]: f.fingerprint,
      ...(hash ? { [LINE_HASH_KEY]: hash } : {}),
    },
    ...baselineOf(f),
    properties: {
      confidence: f.verdict.confidence,
      backend: f.verdict.backend,
      model: f.verdict.model,
      function: f.fn.name,
      ...(f.verdict.cwe ? { cwe: f.verdict.cwe } : {}),
      ...baselineProperties(f),
    },
  };
}

/**
 * The delta against the base (issue 10): `baselineState` (`new`, `unchanged`, `updated`) when the base
 * side was compared. Fixed findings are not results: code scanning would open an alert on code that
 * no longer has it; they are in the job summary.
 */
function baselineOf(f: Finding): { baselineState?: string } {
  return f.baseline ? { baselineState: f.baseline.state } : {};
}

/** The base side's P(vulnerable), and the explanation's model, beside the finding's own confidence. */
function baselineProperties(f: Finding): Record<string, unknown> {
  return {
    ...(f.baseline?.baseConfidence !== undefined ? { baseConfidence: f.baseline.baseConfidence } : {}),
    ...(f.explanation ? { explanationModel: f.explanation.model, line: f.explanation.line } : {}),
  };
}

function notificationsOf(input: SarifInput, droppedResults: number): Record<string, unknown>[] {
  const notes: Record<string, unknown>[] = [];
  const unanalysed: Array<{ file?: string; function?: string; text: string; id: string }> = [
    ...input.skipped.map((s) => ({
      // An entry for many files (those GitHub did not list) has no one location.
      ...(s.count === undefined ? { file: s.file } : {}),
      function: s.function,
      id: `vulnreview/skipped/${s.reason}`,
      text: `${s.function ? `Function \`${s.function}\`` : 'File'} in ${s.file} was not analysed (${s.reason}): ${s.detail}`,
    })),
    ...input.unclassified.map((u) => ({
      file: u.fn.file,
      function: u.fn.name,
      id: 'vulnreview/unclassified',
      text: `Function \`${u.fn.name}\` in ${u.fn.file} got an unclassified answer (${truncate(u.verdict.rawAnswer, 200)}); it is not known to be safe.`,
    })),
  ];
  for (const u of unanalysed.slice(0, MAX_SARIF_NOTIFICATIONS)) {
    notes.push({
      level: 'warning',
      descriptor: { id: u.id },
      message: { text: u.text },
      ...(u.file !== undefined
        ? {
            locations: [
              { physicalLocation: { artifactLocation: { uri: pathToUri(u.file), uriBaseId: '%SRCROOT%' } } },
            ],
          }
        : {}),
    });
  }
  if (unanalysed.length > MAX_SARIF_NOTIFICATIONS) {
    notes.push({
      level: 'warning',
      descriptor: { id: 'vulnreview/skipped/more' },
      message: {
        text: `${unanalysed.length - MAX_SARIF_NOTIFICATIONS} more ${unanalysed.length - MAX_SARIF_NOTIFICATIONS === 1 ? 'unanalysed function or file is' : 'unanalysed functions or files are'} not listed here.`,
      },
    });
  }
  if (droppedResults > 0) {
    notes.push({
      level: 'warning',
      descriptor: { id: 'vulnreview/results-truncated' },
      message: {
        text: `${droppedResults === 1 ? 'The least confident finding was' : `The ${droppedResults} least confident findings were`} left out to stay within code scanning's ${MAX_SARIF_RESULTS} results per run.`,
      },
    });
  }
  return notes;
}

/** How many functions or files the gaps stand for (an entry for unlisted files counts each file). */
function gapCount(input: Pick<SarifInput, 'skipped' | 'unclassified'>): number {
  return input.skipped.reduce((n, s) => n + (s.count ?? 1), 0) + input.unclassified.length;
}

/**
 * false only when nothing could be analysed: code scanning treats an upload marked unsuccessful as a
 * failed analysis and may not process its results, so a run that analysed anything says it succeeded and
 * lists its gaps as warnings.
 */
export function executionSucceeded(
  input: Pick<SarifInput, 'skipped' | 'unclassified' | 'analysed'>,
): boolean {
  return !(input.analysed === 0 && gapCount(input) > 0);
}

/** The SARIF log for one run. Findings should come most confident first (as `findingsOf` sorts them). */
export function buildSarif(input: SarifInput): Record<string, unknown> {
  const ruleIndex = new Map(ALL_WEAKNESSES.map((w, i) => [w.ruleId, i]));
  const kept = input.findings.slice(0, MAX_SARIF_RESULTS);
  const notifications = notificationsOf(input, input.findings.length - kept.length);
  return {
    $schema: SARIF_SCHEMA_URI,
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'vulnreview',
            semanticVersion: VERSION,
            version: VERSION,
            rules: ALL_WEAKNESSES.map(ruleOf),
          },
        },
        automationDetails: { id: normalizeCategory(input.category) },
        invocations: [
          {
            executionSuccessful: executionSucceeded(input),
            toolExecutionNotifications: notifications,
            properties: { backend: input.backend, model: input.model },
          },
        ],
        columnKind: 'utf16CodeUnits',
        results: kept.map((f) => resultOf(f, ruleIndex.get(f.ruleId) ?? 0, input.lineHash)),
        properties: { backend: input.backend, model: input.model },
      },
    ],
  };
}

/** GitHub's line hashes the extraction kept, looked up by path and line. */
function lineHashLookup(files: PipelineResult['files']): SarifInput['lineHash'] {
  const byPath = new Map(files.map((f) => [f.path, f.lineHashes]));
  return (path, line) => byPath.get(path)?.get(line);
}

/** The SARIF log of a pipeline result. Files left out on purpose by paths / paths-ignore are not gaps. */
export function sarifOf(
  result: Pick<PipelineResult, 'findings' | 'skipped' | 'unclassified' | 'files' | 'stats'>,
  run: { backend: BackendName; model: string; category: string },
): Record<string, unknown> {
  return buildSarif({
    findings: result.findings,
    skipped: result.skipped.filter((s) => s.reason !== 'ignored-path'),
    unclassified: result.unclassified,
    analysed: result.stats.analysed,
    lineHash: lineHashLookup(result.files),
    ...run,
  });
}

/**
 * Builds the run's SARIF log and writes it to `path` whole or not at all (a temporary file renamed into
 * place; folders created as needed).
 */
export async function writeSarifFile(
  path: string,
  result: Pick<PipelineResult, 'findings' | 'skipped' | 'unclassified' | 'files' | 'stats'>,
  run: { backend: BackendName; model: string; category: string },
): Promise<void> {
  await writeFileAtomic(path, `${JSON.stringify(sarifOf(result, run), null, 2)}\n`);
}
