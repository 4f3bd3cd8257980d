// What happens to a SARIF file on its way into GitHub code scanning, reproduced for tests:
//
// - upload-sarif's own validation (github/codeql-action src/upload-lib.ts): JSON syntax, the SARIF 2.1.0
//   schema (format errors on `uri` / `uri-reference` are only logged there, so formats are not checked
//   here), a `results` array in every run (countResultsInSarif), and one category per run;
// - its fingerprinting (src/fingerprints.ts): a result needs a primary location with an artifact URI and
//   a start line to get a primaryLocationLineHash; one already present is kept, and a different value
//   computed from the file on disk is only warned about, so a wrong value would stick;
// - code scanning's processing errors that codeql-action lists as "invalid request" (upload-lib.ts
//   shouldConsiderInvalidRequest): a result without an artifact location, a URI that is not one, a
//   `security-severity` that is not a number;
// - the documented hard limits ("SARIF results exceed limit": 20 runs per file, 25,000 results and rules
//   per run, 100 tool extensions, 1,000 locations per result, 20 tags per rule) and the 5,000 results a
//   run keeps;
// - `automationDetails.id`'s category (everything up to the last `/`; empty without one, and runs with
//   the empty category replace each other);
// - `executionSuccessful: false`, which codeql-action uploads as an unsuccessful execution;
// - the pull request check's rule for what it shows ("Triaging code scanning alerts in pull requests":
//   an alert appears only when all the lines of code it identifies are in the pull request's diff).
import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { lineHashes } from '../../src/extract/line-hash.ts';

const schema = JSON.parse(
  readFileSync(new URL('../testdata/report/sarif-schema-2.1.0.json', import.meta.url), 'utf8'),
);
const validate = new Ajv2020({ strict: false, validateSchema: false, validateFormats: false }).compile(
  schema,
);

export const LIMITS = {
  runsPerFile: 20,
  resultsPerRun: 25_000,
  resultsKept: 5_000,
  rulesPerRun: 25_000,
  extensionsPerRun: 100,
  locationsPerResult: 1_000,
  tagsPerRule: 20,
} as const;

export interface UploadCheck {
  /** Why upload-sarif or code scanning would refuse the file. */
  errors: string[];
  /** Why alerts would not be tracked across pushes (missing or wrong primaryLocationLineHash, empty category). */
  tracking: string[];
  /** Accepted, but some of it not shown (over the kept results). */
  notes: string[];
  /** An invocation says executionSuccessful: false: uploaded as an unsuccessful execution. */
  unsuccessfulExecution: boolean;
  /** Each run's category, as code scanning derives it from automationDetails.id. */
  categories: string[];
}

// biome-ignore lint/suspicious/noExplicitAny: SARIF is checked as plain JSON, as upload-sarif does
type Json = any;

/** `automationDetails.id` → its category: up to and including the last `/` ('' without one). */
export function categoryOf(id: string | undefined): string {
  if (id === undefined) return '';
  return id.slice(0, id.lastIndexOf('/') + 1);
}

/** The repository path a result URI names (relative to %SRCROOT%), or undefined when it names none. */
function pathOfUri(uri: unknown): string | undefined {
  if (typeof uri !== 'string') return undefined;
  let decoded: string;
  try {
    decoded = decodeURIComponent(uri);
  } catch {
    return undefined;
  }
  if (decoded.startsWith('file://')) decoded = decoded.slice('file://'.length);
  if (decoded.includes('://') || decoded.startsWith('/')) return undefined;
  return decoded;
}

/**
 * Checks a SARIF log (the text written to disk) the way upload-sarif and code scanning would. `files`
 * (repository path → file text) stands for the checkout upload-sarif would fingerprint from.
 */
export function checkUpload(text: string, files?: ReadonlyMap<string, string>): UploadCheck {
  const check: UploadCheck = {
    errors: [],
    tracking: [],
    notes: [],
    unsuccessfulExecution: false,
    categories: [],
  };
  let sarif: Json;
  try {
    sarif = JSON.parse(text);
  } catch (error) {
    check.errors.push(`Invalid SARIF. JSON syntax error: ${(error as Error).message}`);
    return check;
  }
  if (!validate(sarif)) {
    for (const e of validate.errors ?? []) check.errors.push(`schema: ${e.instancePath} ${e.message}`);
  }
  const runs: Json[] = Array.isArray(sarif?.runs) ? sarif.runs : [];
  if (!Array.isArray(sarif?.runs)) check.errors.push("Invalid SARIF. Missing 'runs' array.");
  if (runs.length > LIMITS.runsPerFile) check.errors.push(`${runs.length} runs, over ${LIMITS.runsPerFile}`);
  const hashes = new Map<string, Map<number, string>>();
  const hashOf = (path: string, line: number) => {
    const fileText = files?.get(path);
    if (fileText === undefined) return undefined;
    if (!hashes.has(path)) hashes.set(path, lineHashes(fileText));
    return hashes.get(path)!.get(line);
  };

  for (const [r, run] of runs.entries()) {
    const where = `runs[${r}]`;
    const category = categoryOf(run?.automationDetails?.id);
    check.categories.push(category);
    if (run?.automationDetails?.id !== undefined && category === '')
      check.tracking.push(
        `${where}: automationDetails.id "${run.automationDetails.id}" has no "/": the empty category, shared with every other run without one`,
      );
    for (const inv of run?.invocations ?? [])
      if (inv?.executionSuccessful === false) check.unsuccessfulExecution = true;
    const rules: Json[] = run?.tool?.driver?.rules ?? [];
    if (rules.length > LIMITS.rulesPerRun) check.errors.push(`${where}: ${rules.length} rules`);
    if ((run?.tool?.extensions ?? []).length > LIMITS.extensionsPerRun)
      check.errors.push(`${where}: extensions`);
    for (const rule of rules) {
      const tags = rule?.properties?.tags ?? [];
      if (tags.length > LIMITS.tagsPerRule)
        check.errors.push(`${where}: rule ${rule.id} has ${tags.length} tags`);
      const severity = rule?.properties?.['security-severity'];
      if (severity !== undefined && !Number.isFinite(Number(severity)))
        check.errors.push(
          `could not convert rules: invalid security severity value, is not a number (${rule.id})`,
        );
    }
    if (!Array.isArray(run?.results)) {
      check.errors.push(`Invalid SARIF. Missing 'results' array in run (${where}).`);
      continue;
    }
    if (run.results.length > LIMITS.resultsPerRun)
      check.errors.push(`${where}: ${run.results.length} results`);
    else if (run.results.length > LIMITS.resultsKept)
      check.notes.push(
        `${where}: only the top ${LIMITS.resultsKept} of ${run.results.length} results are kept`,
      );
    for (const [i, result] of run.results.entries()) {
      const at = `${where}.results[${i}]`;
      const locations: Json[] = result?.locations ?? [];
      if (locations.length > LIMITS.locationsPerResult)
        check.errors.push(`${at}: ${locations.length} locations`);
      const primary = locations[0]?.physicalLocation;
      if (!primary?.artifactLocation) {
        check.errors.push(`locationFromSarifResult: expected artifact location (${at})`);
        continue;
      }
      const path = pathOfUri(primary.artifactLocation.uri);
      if (path === undefined) {
        check.errors.push(
          `an invalid URI was provided as a SARIF location (${at}: ${primary.artifactLocation.uri})`,
        );
        continue;
      }
      const line = primary.region?.startLine;
      const given = result?.partialFingerprints?.primaryLocationLineHash;
      if (line === undefined) {
        check.tracking.push(`${at}: no start line, so no primaryLocationLineHash`);
        continue;
      }
      const computed = hashOf(path, line);
      if (given === undefined && computed === undefined)
        check.tracking.push(
          `${at}: no primaryLocationLineHash and no file on disk to compute it from (${path})`,
        );
      else if (given !== undefined && computed !== undefined && given !== computed)
        check.tracking.push(
          `${at}: primaryLocationLineHash ${given} differs from ${computed} computed from ${path}:${line}`,
        );
    }
  }
  return check;
}

/** New-side line ranges of a file's diff hunks, as the pull request's diff shows them. */
export type DiffLines = ReadonlyMap<string, ReadonlyArray<{ start: number; end: number }>>;

/**
 * The results the pull request check would not show: those whose primary location has a line outside
 * the diff (every line from startLine to endLine must be in it, the first included).
 */
export function hiddenFromPullRequest(text: string, diff: DiffLines): string[] {
  const sarif: Json = JSON.parse(text);
  const hidden: string[] = [];
  for (const run of sarif.runs ?? []) {
    for (const result of run.results ?? []) {
      const primary = result.locations?.[0]?.physicalLocation;
      const path = pathOfUri(primary?.artifactLocation?.uri);
      const start = primary?.region?.startLine;
      const end = primary?.region?.endLine ?? start;
      const hunks = path === undefined ? undefined : diff.get(path);
      const inDiff = (line: number) => hunks?.some((h) => line >= h.start && line <= h.end) ?? false;
      let shown = start !== undefined;
      for (let line = start ?? 0; shown && line <= end; line++) shown = inDiff(line);
      if (!shown) hidden.push(`${result.ruleId} at ${path}:${start}${end !== start ? `-${end}` : ''}`);
    }
  }
  return hidden;
}
