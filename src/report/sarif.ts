// SARIF 2.1.0 for GitHub code scanning: one rule per weakness class, one result per finding.

import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { PipelineResult } from '../result.ts';
import type { BackendName, ChangedFunction, Finding, Skipped, Verdict } from '../types.ts';
import { VERSION } from '../version.ts';
import { ALL_WEAKNESSES, type WeaknessInfo, weaknessFor } from './cwe.ts';
import { formatConfidence, pathToUri, verdictFileLine } from './findings.ts';

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

export interface SarifInput {
  findings: readonly Finding[];
  /** Files or functions left unanalysed (not those excluded by paths). */
  skipped: readonly Skipped[];
  unclassified: ReadonlyArray<{ fn: ChangedFunction; verdict: Verdict }>;
  backend: BackendName;
  model: string;
  /** `runAutomationDetails.id`, e.g. `vulnreview/`. */
  category: string;
}

/** SARIF confidence → level: code scanning shows `error` as the most severe. */
export function levelFor(confidence: number): 'error' | 'warning' | 'note' {
  if (confidence >= 0.8) return 'error';
  if (confidence >= 0.5) return 'warning';
  return 'note';
}

function ruleOf(w: WeaknessInfo): Record<string, unknown> {
  const tags = ['security', ...(w.cweNumber ? [`external/cwe/cwe-${w.cweNumber}`] : [])];
  return {
    id: w.ruleId,
    name: w.name,
    shortDescription: { text: w.title },
    fullDescription: { text: w.description },
    help: {
      text: `${w.description} See ${w.helpUri}. vulnreview flags the whole function; review it for this weakness.`,
      markdown: `${w.description}\n\nSee [${w.cwe ?? 'CWE'}](${w.helpUri}). vulnreview flags the whole function; review it for this weakness.`,
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

export function findingMessage(f: Finding): string {
  const w = weaknessFor(f.verdict.cwe);
  const where = f.verdict.cwe ? `${w.title} (${f.verdict.cwe})` : w.title;
  const why = f.explanation?.reason ?? f.verdict.reason;
  const reason = why ? ` ${why}` : '';
  return truncate(
    `${where} in function \`${f.fn.name}\`, confidence ${formatConfidence(f.verdict.confidence)} (${f.verdict.backend}, ${f.verdict.model}).${reason}`,
    MAX_MESSAGE_CHARS,
  );
}

function resultOf(f: Finding, ruleIndex: number): Record<string, unknown> {
  const pointed = f.explanation?.line ?? verdictFileLine(f);
  return {
    ruleId: f.ruleId,
    ruleIndex,
    level: levelFor(f.verdict.confidence),
    message: { text: findingMessage(f) },
    locations: [
      {
        physicalLocation: {
          artifactLocation: { uri: pathToUri(f.fn.file), uriBaseId: '%SRCROOT%' },
          region: { startLine: f.fn.start, endLine: f.fn.end },
        },
        logicalLocations: [{ name: f.fn.name, kind: 'function' }],
      },
    ],
    ...(pointed ? { relatedLocations: relatedLine(f, pointed) } : {}),
    partialFingerprints: { [FINGERPRINT_KEY]: f.fingerprint },
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

function relatedLine(f: Finding, line: number): unknown[] {
  return [
    {
      id: 1,
      physicalLocation: {
        artifactLocation: { uri: pathToUri(f.fn.file), uriBaseId: '%SRCROOT%' },
        region: { startLine: line },
      },
      message: {
        text:
          (f.explanation?.reason ?? f.verdict.reason)
            ? truncate(f.explanation?.reason ?? f.verdict.reason ?? '', MAX_MESSAGE_CHARS)
            : 'flagged line',
      },
    },
  ];
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
        text: `${unanalysed.length - MAX_SARIF_NOTIFICATIONS} more unanalysed functions are not listed here.`,
      },
    });
  }
  if (droppedResults > 0) {
    notes.push({
      level: 'warning',
      descriptor: { id: 'vulnreview/results-truncated' },
      message: {
        text: `${droppedResults} least confident findings were left out to stay within code scanning's ${MAX_SARIF_RESULTS} results per run.`,
      },
    });
  }
  return notes;
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
        automationDetails: { id: input.category },
        invocations: [
          {
            executionSuccessful: input.skipped.length === 0 && input.unclassified.length === 0,
            toolExecutionNotifications: notifications,
            properties: { backend: input.backend, model: input.model },
          },
        ],
        columnKind: 'utf16CodeUnits',
        results: kept.map((f) => resultOf(f, ruleIndex.get(f.ruleId) ?? 0)),
        properties: { backend: input.backend, model: input.model },
      },
    ],
  };
}

/**
 * Builds the run's SARIF log and writes it to `path` (its folder created as needed). Files left out on
 * purpose by paths / paths-ignore are not unanalysed and stay out of it.
 */
export async function writeSarifFile(
  path: string,
  result: Pick<PipelineResult, 'findings' | 'skipped' | 'unclassified'>,
  run: { backend: BackendName; model: string; category: string },
): Promise<void> {
  const sarif = buildSarif({
    findings: result.findings,
    skipped: result.skipped.filter((s) => s.reason !== 'ignored-path'),
    unclassified: result.unclassified,
    ...run,
  });
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, `${JSON.stringify(sarif, null, 2)}\n`);
}
