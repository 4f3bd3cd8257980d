// The values that flow through the pipeline, left to right:
// diff → FileChange → ChangedFunction → Verdict → Finding → reporters.
// Every stage takes and returns plain data of these shapes, so each can be tested on its own.

export type Lang = 'c' | 'cpp';

/** How a file took part in the change. `mode-only` and `deleted` files have no new-side code to analyse. */
export type FileStatus = 'added' | 'modified' | 'renamed' | 'deleted' | 'binary' | 'mode-only';

/** A hunk's extent on the new side; review comments may only be placed on lines inside one. */
export interface HunkRange {
  /** First new-side line of the hunk (1-based). */
  newStart: number;
  /** Number of new-side lines the hunk covers (context + added). */
  newLines: number;
}

/** One file of a unified diff, reduced to what the later stages need. */
export interface FileChange {
  /** New-side path (the old path when the file was deleted). */
  path: string;
  /** Old-side path when it differs (renames). */
  oldPath?: string;
  status: FileStatus;
  /** New-side line numbers (1-based, ascending) of added lines. */
  addedLines: number[];
  /**
   * New-side positions of deletions: for each run of deleted lines, the number of the new-side line that
   * follows it (ascending; last line + 1 at the end of the file). A function lost lines when that
   * position is in (start, end]: lines removed right before its closing brace count, lines removed right
   * before its first line do not (see docs/extract.md).
   */
  deletionPoints: number[];
  /** The patch was missing (GitHub leaves out large ones): the whole file counts as changed. */
  wholeFile: boolean;
  hunks: HunkRange[];
  /**
   * Old-side lines (context and deleted) of each hunk, set by the diff parser. Lets extraction tell a
   * function that was only moved (its exact text was already there, and at least part of it was deleted)
   * from a changed one.
   */
  oldHunks?: OldLine[][];
}

/** One old-side line of a hunk: its text (without the diff's ` `/`-` column) and whether it was deleted. */
export interface OldLine {
  text: string;
  /** true for a `-` line, false for a context line that is still there on the new side. */
  deleted: boolean;
}

/** A function definition the change touched, exactly as it stands on the new side. */
export interface ChangedFunction {
  file: string;
  /** Qualified name, e.g. `ns::Class::method`, `operator==`, `Class::~Class`. */
  name: string;
  /** 1-based new-side line of the definition's first line (return type / template line included). */
  start: number;
  /** 1-based new-side line of its closing brace. */
  end: number;
  lang: Lang;
  source: string;
  /**
   * 1-based new-side line where the change first touched the function: its first added line, else the
   * first deletion point inside it. Absent when the whole file counts as changed (no patch) or the
   * function was not selected by a change. A finding with no better line points here.
   */
  firstChangedLine?: number;
  /**
   * The function's syntax tree as extraction parsed it, kept only when asked (`ExtractOptions.keepSyntax`,
   * for a backend that reads syntax): the rules backend then need not parse the function again. Never
   * serialised, never part of a cache key or fingerprint.
   */
  syntax?: FunctionSyntax;
}

/**
 * A function's syntax tree copied out of tree-sitter into flat arrays, in preorder, while the file's tree
 * was alive (src/extract/syntax.ts). Plain data: a backend rebuilds what it needs from it without
 * WebAssembly. Nodes that no field names and the grammar calls anonymous (punctuation) are left out.
 */
export interface FunctionSyntax {
  /** The function's source as parsed; every offset below is a UTF-16 index into it. */
  text: string;
  /** Per node: the grammar's type id. */
  types: Uint16Array;
  /** Per node: the id of the field it fills in its parent, 0 for none. */
  fields: Uint16Array;
  starts: Uint32Array;
  ends: Uint32Array;
  /** Per node: its parent's index, -1 for the top-level nodes (the definition and any prefix before it). */
  parents: Int32Array;
  /** The grammar's names by id, shared by every function of the language. */
  grammar: SyntaxGrammar;
}

/** Names of a grammar's node types and fields by id, filled in as ids are met. */
export interface SyntaxGrammar {
  types: string[];
  /** Named (a rule of the grammar) rather than anonymous (a literal token such as `;` or `+`). */
  named: boolean[];
  fields: (string | null)[];
}

/** What a backend needs to judge a function: evaluation samples have no file or name. */
export interface FunctionInput {
  source: string;
  lang: Lang;
  name?: string;
  file?: string;
  /** The extraction's syntax tree of `source`, when it kept one; a backend that reads syntax parses without it. */
  syntax?: FunctionSyntax;
}

/** The five classes of the Draper VDISC labels the seed's model was trained on. */
export type VdiscClass = 'CWE-120' | 'CWE-119' | 'CWE-469' | 'CWE-476' | 'CWE-other';
export const VDISC_CLASSES: readonly VdiscClass[] = ['CWE-120', 'CWE-119', 'CWE-469', 'CWE-476', 'CWE-other'];

export type BackendName = 'endpoint' | 'rules';

/**
 * One weakness a backend pinpointed inside a function. The rules backend names one per distinct
 * weakness it found, so a function with an unchecked malloc and an overflowing sprintf yields two
 * findings, each with its own line.
 */
export interface WeaknessHit {
  cwe?: VdiscClass;
  /** 1-based line within the function source. */
  line: number;
  /** One or two sentences a reviewer can act on. */
  reason: string;
  /** P(vulnerable) for this weakness, in [0, 1]. */
  confidence: number;
  /** The backend's own id for what fired (a rule id). */
  id?: string;
}

/** A backend's answer for one function. */
export interface Verdict {
  /** true vulnerable, false not, null unclassified (the answer matched neither side; never counts as safe). */
  vulnerable: boolean | null;
  /** P(vulnerable) in [0, 1]. From logprobs when the endpoint gives them; fixed per answer or rule otherwise. */
  confidence: number;
  /** The VDISC class when the backend named one. */
  cwe?: VdiscClass;
  /** The model's text answer, or the rule ids that fired. */
  rawAnswer: string;
  backend: BackendName;
  model: string;
  /** Hash of the prompt that produced this verdict, so results can be traced to the exact prompt. */
  promptHash: string;
  /** Short human reason (a rule's explanation); the model backend leaves it empty. */
  reason?: string;
  /** 1-based line within the function source the reason points at, when known. */
  line?: number;
  /** Served from the verdict cache rather than asked again. */
  cached?: boolean;
  /**
   * Every distinct weakness found, strongest first, when the backend can tell them apart (rules). A
   * vulnerable verdict with hits becomes one finding per distinct rule id (see report/findings.ts);
   * without hits, one finding for the function.
   */
  hits?: WeaknessHit[];
}

/** A function that got no verdict, and why: shown to the user and counted by the gate. */
export interface Skipped {
  file: string;
  function?: string;
  reason: SkipReason;
  detail: string;
  /** How many files or functions this one entry stands for (files GitHub would not list); default 1. */
  count?: number;
}

export type SkipReason =
  | 'too-large' // file over the size limit
  | 'binary'
  | 'unreadable' // file could not be read at the head revision
  | 'too-long' // function over the token budget
  | 'backend-error' // the model failed after retries
  | 'budget-exhausted' // the overall time budget ran out before its turn
  | 'ignored-path' // excluded by paths / paths-ignore (listed, not counted as unanalysed)
  // A C/C++ file whose changed lines could not all be attributed to a function: tree-sitter parsed too
  // little of it (errorRatio over the warning threshold) and some changed lines lie outside every
  // function found, or extracting its functions failed outright. One entry per file; review by hand.
  | 'unparsed';

/** The outcome for one function: a verdict, or the reason it has none. */
export type Analysis = { fn: ChangedFunction; verdict: Verdict } | { fn: ChangedFunction; skipped: Skipped };

/**
 * How a finding relates to the base revision (SARIF `baselineState`): `new` flagged now and not before
 * (or markedly more confident), `unchanged` flagged on both sides, `updated` flagged on both sides with
 * a changed message or location, `absent` flagged before and not now (a fix).
 */
export type BaselineState = 'new' | 'unchanged' | 'updated' | 'absent';

/** A vulnerable verdict turned into something to report. */
export interface Finding {
  /** SARIF rule id: `vulnreview/CWE-120` … or `vulnreview/vulnerable` when no CWE was named. */
  ruleId: string;
  fn: ChangedFunction;
  /**
   * The verdict as it applies to this finding: for one of several hits in a function, the function's
   * verdict with that hit's cwe, confidence, reason and line.
   */
  verdict: Verdict;
  /** Stable across re-runs and line shifts: rule + normalized function source. */
  fingerprint: string;
  /**
   * 1-based file line the finding points at (SARIF primary region, inline comment): the backend's line
   * inside the function when it named one, else the function's first changed line, else its first line.
   */
  line: number;
  /** Against the base revision, when the base side was analysed. */
  baseline?: {
    state: BaselineState /** P(vulnerable) of the base version, when it had a verdict. */;
    baseConfidence?: number;
  };
  /**
   * Where and why, from the optional explanation stage (model findings only: the rules backend names its
   * line and reason in the verdict). When set, `line` is its line. Never changes whether a finding gates.
   */
  explanation?: FindingExplanation;
}

/** An instruct model's account of one finding; every text in it is untrusted model output. */
export interface FindingExplanation {
  /** 1-based file line inside the function: the single most likely vulnerable line. */
  line: number;
  /** Two sentences: what is wrong there and why it matters. */
  reason: string;
  /** A minimal fix: file lines [startLine, endLine] replaced by `code` (shown as a GitHub suggestion). */
  suggestion?: { startLine: number; endLine: number; code: string };
  /** The instruct model that wrote it. */
  model: string;
}
