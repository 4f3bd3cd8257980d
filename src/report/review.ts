// What to say in the pull request and where: comment bodies, their placement on the diff, and the plan
// for one run given the comments already there. Pure: the GitHub adapter carries the plan out.
import type { FileChange, Finding, HunkRange } from '../types.ts';
import { DEFAULT_CATEGORY, normalizeCategory } from './category.ts';
import { weaknessFor } from './cwe.ts';
import { fileLineOf, formatConfidence } from './findings.ts';
import { escapeMarkdown, sanitize } from './markdown.ts';
import { suggestionFor } from './suggestion.ts';
import { count } from './words.ts';

export { DEFAULT_CATEGORY, normalizeCategory } from './category.ts';
export { sanitize } from './markdown.ts';

/** ` cat=<category, percent-encoded>` (encodeURIComponent's alphabet: no space, `<`, `>` or `-->`). */
const CAT = "(?: cat=([A-Za-z0-9_.!~*'()%-]+))?";
/**
 * The marker `commentBody` appends last. Only the very end of a body counts: nothing untrusted follows it
 * there, so a marker forged earlier in the text (a function name, a model answer) is never read.
 */
const COMMENT_MARKER = new RegExp(`<!-- vulnreview:fp=([0-9a-f]{8,64})${CAT} -->\\s*$`);
/** Markers in a review body: each ends its line (see `bodyLine`). */
const LINE_MARKER = new RegExp(`<!-- vulnreview:fp=([0-9a-f]{8,64})${CAT} -->\\r?$`, 'gm');
/** Many fingerprints in one hidden comment on a line of its own: findings counted but not listed. */
const LIST_MARKER = new RegExp(`^<!-- vulnreview:fps=([0-9a-f,]+)${CAT} -->\\r?$`, 'gm');
const FIXED_MARKER = /<!-- vulnreview:fixed=([0-9a-f]{8,64}) -->/;
/**
 * Pre-existing findings already listed in a review body (`report: new`), so each is listed once. A marker
 * of its own: these were never commented, so they must not count as posted should they turn `new` later.
 */
const PRE_MARKER = new RegExp(`^<!-- vulnreview:pre=([0-9a-f,]+)${CAT} -->\\r?$`, 'gm');

/** How every comment of ours begins. */
const COMMENT_PREFIX = '**vulnreview**:';

function catPart(category: string): string {
  return ` cat=${encodeURIComponent(normalizeCategory(category))}`;
}

/**
 * A marker's category, normalised (so `cat=vulnreview-gpu` from 0.1.0 and `cat=vulnreview-gpu%2F` are
 * one run's): the default when it has none; undecodable text belongs to no run.
 */
function categoryOf(encoded: string | undefined): string | undefined {
  if (encoded === undefined) return DEFAULT_CATEGORY;
  try {
    return normalizeCategory(decodeURIComponent(encoded));
  } catch {
    return undefined;
  }
}

export function markerFor(fingerprint: string, category = DEFAULT_CATEGORY): string {
  return `<!-- vulnreview:fp=${fingerprint}${catPart(category)} -->`;
}

/** The fingerprint and category of the marker that ends a comment of ours, if it ends with one. */
export function commentMarker(
  body: string | null | undefined,
): { fingerprint: string; category: string | undefined } | undefined {
  const m = COMMENT_MARKER.exec(body ?? '');
  return m ? { fingerprint: m[1]!, category: categoryOf(m[2]) } : undefined;
}

/** Fingerprints that the markers of `category` carry in a review body (or a comment body). */
export function fingerprintsIn(body: string | null | undefined, category = DEFAULT_CATEGORY): string[] {
  const text = body ?? '';
  const wanted = normalizeCategory(category);
  const ours = (m: RegExpMatchArray) => categoryOf(m[2]) === wanted;
  return [
    ...[...text.matchAll(LINE_MARKER)].filter(ours).map((m) => m[1]!),
    ...[...text.matchAll(LIST_MARKER)]
      .filter(ours)
      .flatMap((m) => m[1]!.split(',').filter((fp) => fp.length >= 8)),
  ];
}

/** Who wrote a comment or review, as GitHub lists it (`user.login`, `user.type`). */
export interface Author {
  login: string;
  type?: string;
}

/**
 * The account this run posts as. A personal token can tell its login (GET /user); an installation token
 * (GITHUB_TOKEN, a GitHub App) cannot, and then any GitHub App bot account counts: a person can never be
 * one, so a user who pastes our marker into their own comment never makes it ours.
 */
export type Self = { login: string } | { anyBot: true };

export function isOwnAuthor(self: Self, author: Author | undefined): boolean {
  if (!author) return false;
  if ('login' in self) return author.login === self.login;
  return author.type === 'Bot' && author.login.endsWith('[bot]');
}

/** A review comment already on the pull request, as the adapter lists it. */
export interface ExistingComment {
  id: number;
  path: string;
  body: string;
  /** Set on replies: the comment this one answers. */
  inReplyToId?: number;
  /** Absent when GitHub lists no user (a deleted account): then it is nobody's we may touch. */
  author?: Author;
}

export type Placement =
  | { kind: 'line'; line: number; startLine?: number }
  | { kind: 'file' }
  | { kind: 'body' };

export interface PlannedComment {
  finding: Finding;
  path: string;
  body: string;
  /** RIGHT-side line; absent for a file-level comment. */
  line?: number;
  /** Only when the function's first line lies in the same hunk as `line`. */
  startLine?: number;
}

export interface ReviewPlan {
  /** New inline comments for the review. */
  inline: PlannedComment[];
  /** New file-level comments (the finding's function has no line inside a hunk). */
  fileLevel: PlannedComment[];
  /** New findings listed in the review body: over the cap, or not placeable on the diff. */
  inBody: Finding[];
  /** Findings already commented in an earlier run. */
  alreadyPosted: number;
  /** Our comments whose finding is gone and that nobody answered: delete them. */
  remove: ExistingComment[];
  /** Our comments whose finding is gone but that have replies: leave them, and say once that it is fixed. */
  markFixed: ExistingComment[];
  /** This run's `category`: its markers carry it, so runs of other categories leave them alone. */
  category: string;
  /**
   * Findings already there before this change (`report: new`), not listed in an earlier review body:
   * listed once, collapsed, never commented. Their comments from earlier runs are kept.
   */
  preExisting: Finding[];
}

function whyOf(f: Finding): string {
  // An explanation's reason is model text like any other: escaped, never rendered.
  if (f.explanation)
    return `${escapeMarkdown(f.explanation.reason, 600)} <sub>(explained by \`${sanitize(f.explanation.model, 80)}\`)</sub>`;
  if (f.verdict.reason) return escapeMarkdown(f.verdict.reason);
  return `The ${f.verdict.backend === 'endpoint' ? 'model' : 'rules backend'} judged this function vulnerable (answer: \`${sanitize(f.verdict.rawAnswer, 80)}\`).`;
}

function classOf(f: Finding): string {
  const w = weaknessFor(f.verdict.cwe);
  return f.verdict.cwe && f.verdict.cwe !== 'CWE-other'
    ? `[${f.verdict.cwe}](${w.helpUri}) (${w.title})`
    : w.title;
}

/**
 * The inline or file-level comment for one finding, ending in the hidden fingerprint marker. It names the
 * line the finding points at: a function with several weaknesses gets one comment for each. `suggestion`
 * is the explanation's fix as a ```suggestion block, given only when the comment spans exactly its lines.
 */
export function commentBody(f: Finding, category = DEFAULT_CATEGORY, suggestion?: string): string {
  return [
    `${COMMENT_PREFIX} possible ${classOf(f)} at line ${f.line} in \`${sanitize(f.fn.name, 120)}\` (lines ${f.fn.start}–${f.fn.end}), confidence **${formatConfidence(f.verdict.confidence)}**`,
    '',
    whyOf(f),
    ...(suggestion ? ['', suggestion] : []),
    '',
    `<sub>backend \`${f.verdict.backend}\` · model \`${sanitize(f.verdict.model, 80)}\` · this is an automated hint, not a proof</sub>`,
    markerFor(f.fingerprint, category),
  ].join('\n');
}

/** The reply left on our comment when its finding disappeared but someone had answered it. */
export function fixedReplyBody(fingerprint: string, headSha: string): string {
  return `vulnreview no longer reports this finding at ${headSha.slice(0, 12)}: the function changed or is no longer flagged.\n<!-- vulnreview:fixed=${fingerprint} -->`;
}

function hunkOf(hunks: readonly HunkRange[], line: number): HunkRange | undefined {
  return hunks.find((h) => line >= h.newStart && line < h.newStart + h.newLines);
}

/**
 * Where GitHub will accept a comment for this finding: a RIGHT-side line inside a hunk (the line the
 * finding points at, else the function's first added line, else its first line shown in the diff), a
 * file-level comment when none of the function is in a hunk, or the review body when the file is not part
 * of the diff at all (GitHub answers 422 for anything else).
 */
export function placeFinding(f: Finding, change: FileChange | undefined): Placement {
  if (!change || change.status === 'deleted') return { kind: 'body' };
  const { start, end } = f.fn;
  // The line the explanation or the backend named first (Finding.line follows the explanation's); else the
  // first added line, then the finding's line (the first changed line, a deletion point, or the function's
  // first line when nothing better is known).
  const candidates: number[] = [];
  if (f.explanation || fileLineOf(f.fn, f.verdict.line) !== undefined) candidates.push(f.line);
  const added = change.addedLines.find((l) => l >= start && l <= end);
  if (added !== undefined) candidates.push(added);
  candidates.push(f.line);
  for (const h of change.hunks) {
    const first = Math.max(h.newStart, start);
    if (h.newLines > 0 && first <= Math.min(h.newStart + h.newLines - 1, end)) candidates.push(first);
  }
  for (const line of candidates) {
    const hunk = hunkOf(change.hunks, line);
    if (!hunk) continue;
    const startLine = start < line && hunkOf([hunk], start) ? start : undefined;
    return startLine === undefined ? { kind: 'line', line } : { kind: 'line', line, startLine };
  }
  return { kind: 'file' };
}

/**
 * File-level comments per run at most (within max-comments). Each is its own request, which GitHub's
 * pacing for content-creating calls spaces ~3 s apart; inline comments all travel in the one review.
 */
export const MAX_FILE_COMMENTS = 5;

export interface PlanInput {
  findings: readonly Finding[];
  changes: readonly FileChange[];
  /** Review comments already on the pull request (all authors). */
  existing: readonly ExistingComment[];
  /** Bodies of our own earlier reviews (the adapter filters by author): findings listed there count as posted. */
  existingReviewBodies?: readonly string[];
  /** The account posting; only its comments count as posted and may be deleted. Default: any bot. */
  self?: Self;
  /** Inline plus file-level comments per run at most. */
  maxComments: number;
  /** Files where some function went unanalysed this run: our comments there are kept, not judged fixed. */
  incompletePaths?: ReadonlySet<string>;
  /** The run's `category` input: only comments whose marker carries it are ours. Default `vulnreview/`. */
  category?: string;
  /** Findings already there before this change (`report: new`): listed once in the body, not commented. */
  preExisting?: readonly Finding[];
}

export function planReview(input: PlanInput): ReviewPlan {
  const changeByPath = new Map(input.changes.map((c) => [c.path, c]));
  const posted = new Set<string>();
  const ours: Array<{ comment: ExistingComment; fingerprint: string }> = [];
  const self = input.self ?? { anyBot: true };
  const category = normalizeCategory(input.category ?? DEFAULT_CATEGORY);
  for (const c of input.existing) {
    // Only our own account's comments count: anyone can paste a marker into a comment of theirs, which
    // must neither hide a finding (as "already posted") nor get their comment deleted. Another vulnreview
    // run on this pull request (another category) posts as the same bot: its comments are its own.
    if (!isOwnAuthor(self, c.author)) continue;
    const marker = commentMarker(c.body);
    if (!marker || marker.category !== category) continue;
    posted.add(marker.fingerprint);
    // Ours: a top-level comment in our own shape, by our account.
    if (c.inReplyToId === undefined && c.body.startsWith(COMMENT_PREFIX)) {
      ours.push({ comment: c, fingerprint: marker.fingerprint });
    }
  }
  const listedBefore = new Set<string>();
  for (const body of input.existingReviewBodies ?? []) {
    fingerprintsIn(body, category).forEach((fp) => {
      posted.add(fp);
    });
    preListedIn(body, category).forEach((fp) => {
      listedBefore.add(fp);
    });
  }

  const plan: ReviewPlan = {
    inline: [],
    fileLevel: [],
    inBody: [],
    alreadyPosted: 0,
    remove: [],
    markFixed: [],
    category,
    preExisting: [],
  };
  const current = new Set<string>();
  for (const f of input.findings) {
    if (current.has(f.fingerprint)) continue; // the same code flagged twice (copies in two files): one comment
    current.add(f.fingerprint);
    if (posted.has(f.fingerprint)) {
      plan.alreadyPosted++;
      continue;
    }
    const change = changeByPath.get(f.fn.file);
    const fix = suggestionFor(f, change);
    const place: Placement = fix
      ? { kind: 'line', line: fix.line, startLine: fix.startLine }
      : placeFinding(f, change);
    const room = plan.inline.length + plan.fileLevel.length < input.maxComments;
    const fileRoom = plan.fileLevel.length < MAX_FILE_COMMENTS;
    if (place.kind === 'body' || !room || (place.kind === 'file' && !fileRoom)) plan.inBody.push(f);
    else if (place.kind === 'file')
      plan.fileLevel.push({ finding: f, path: f.fn.file, body: commentBody(f, category) });
    else
      plan.inline.push({
        finding: f,
        path: f.fn.file,
        body: commentBody(f, category, fix?.block),
        line: place.line,
        ...(place.startLine !== undefined ? { startLine: place.startLine } : {}),
      });
  }

  for (const f of input.preExisting ?? []) {
    // Still found, so an earlier comment on it stays; listed in the body only the first time.
    if (current.has(f.fingerprint)) continue;
    current.add(f.fingerprint);
    if (!listedBefore.has(f.fingerprint) && !posted.has(f.fingerprint)) plan.preExisting.push(f);
  }

  const repliesTo = new Map<number, ExistingComment[]>();
  for (const c of input.existing) {
    if (c.inReplyToId !== undefined)
      repliesTo.set(c.inReplyToId, [...(repliesTo.get(c.inReplyToId) ?? []), c]);
  }
  for (const { comment, fingerprint } of ours) {
    if (current.has(fingerprint) || input.incompletePaths?.has(comment.path)) continue;
    const replies = repliesTo.get(comment.id) ?? [];
    if (replies.length === 0) plan.remove.push(comment);
    else if (!replies.some((r) => FIXED_MARKER.test(r.body) && isOwnAuthor(self, r.author)))
      plan.markFixed.push(comment);
  }
  return plan;
}

/**
 * True when the plan posts anything new — a finding, or pre-existing ones not listed before (a review is
 * created only then, so re-runs stay quiet).
 */
export function hasNewFindings(plan: ReviewPlan): boolean {
  return (
    plan.inline.length + plan.fileLevel.length + plan.inBody.length + (plan.preExisting?.length ?? 0) > 0
  );
}

/** Fingerprints of pre-existing findings a review body of `category` listed. */
function preListedIn(body: string | null | undefined, category: string): string[] {
  return [...(body ?? '').matchAll(PRE_MARKER)]
    .filter((m) => categoryOf(m[2]) === category)
    .flatMap((m) => m[1]!.split(',').filter((fp) => fp.length >= 8));
}

/** Pre-existing findings listed line by line at most; the rest are counted. */
export const MAX_PRE_EXISTING_LINES = 50;

/**
 * The collapsed "already there before this PR" list of a review body, with the hidden marker that keeps a
 * later run from listing the same findings again. No per-line fingerprint markers: these are not posted.
 */
export function preExistingSection(findings: readonly Finding[], category: string): string[] {
  if (findings.length === 0) return [];
  const shown = findings.slice(0, MAX_PRE_EXISTING_LINES);
  const lines = [
    '',
    '<details>',
    `<summary>${findings.length} ${findings.length === 1 ? 'finding was' : 'findings were'} already there before this PR (not commented, not gating)</summary>`,
    '',
    ...shown.map((f) => {
      const base = f.baseline?.baseConfidence;
      const was = base === undefined ? '' : `, was ${formatConfidence(base)}`;
      const changed = f.baseline?.state === 'updated' ? '; its class or flagged line changed' : '';
      return `- \`${sanitize(f.fn.file, 200)}\` lines ${f.fn.start}–${f.fn.end}: \`${sanitize(f.fn.name, 120)}\` (${f.verdict.cwe ? `${f.verdict.cwe}, ` : ''}confidence ${formatConfidence(f.verdict.confidence)}${was}${changed})`;
    }),
  ];
  if (findings.length > shown.length)
    lines.push(`- … and ${findings.length - shown.length} more in the job summary and the SARIF file`);
  lines.push('', '</details>');
  // Fingerprints are 32 hex characters; even hundreds stay far below the body limit.
  lines.push(`<!-- vulnreview:pre=${findings.map((f) => f.fingerprint).join(',')}${catPart(category)} -->`);
  return lines;
}

/** One finding as a line of the review body, with its marker so a re-run does not list it again. */
export function bodyLine(f: Finding, category = DEFAULT_CATEGORY): string {
  const cwe = f.verdict.cwe ? `${f.verdict.cwe}, ` : '';
  return `- \`${sanitize(f.fn.file, 200)}\` line ${f.line}, in \`${sanitize(f.fn.name, 120)}\` (lines ${f.fn.start}–${f.fn.end}; ${cwe}confidence ${formatConfidence(f.verdict.confidence)}) ${markerFor(f.fingerprint, category)}`;
}

/** The review's body: a count, then every new finding that is not an inline or file-level comment. */
/** Leaves room under GitHub's 65,536-character body limit for the header and footer lines. */
export const MAX_BODY_LIST_CHARS = 60_000;
/** Findings listed line by line in a review body; the rest are counted and fingerprinted. */
export const MAX_BODY_LINES = 200;

export function reviewBody(
  plan: ReviewPlan,
  extra: { unanalysed?: number; summaryUrl?: string } = {},
): string {
  const total = plan.inline.length + plan.fileLevel.length + plan.inBody.length;
  const lines = [
    total === 0 && (plan.preExisting?.length ?? 0) > 0
      ? '### vulnreview: no new potential vulnerabilities in changed functions'
      : `### vulnreview: ${total} new potential ${total === 1 ? 'vulnerability' : 'vulnerabilities'} in changed functions`,
  ];
  if (plan.inBody.length > 0) {
    lines.push(
      '',
      `Not commented inline (over the comment cap or outside the diff): ${plan.inBody.length}`,
      '',
    );
    // GitHub refuses bodies over 65,536 characters. The first MAX_BODY_LINES findings get a line each; the
    // rest only their fingerprints in one hidden comment, so a re-run does not post them again. Past what
    // even that holds (some 1,300 findings), a later run lists the remainder again: louder, never lost.
    const visible = plan.inBody.slice(0, MAX_BODY_LINES);
    lines.push(...visible.map((f) => bodyLine(f, plan.category)));
    const rest = plan.inBody.slice(visible.length);
    if (rest.length > 0) {
      const room = MAX_BODY_LIST_CHARS - lines.join('\n').length;
      const fps: string[] = [];
      let size = 0;
      for (const f of rest) {
        if (size + f.fingerprint.length + 1 > room) break;
        fps.push(f.fingerprint);
        size += f.fingerprint.length + 1;
      }
      lines.push(`- … and ${rest.length} more, listed in the job summary and the SARIF file`);
      if (fps.length > 0) lines.push(`<!-- vulnreview:fps=${fps.join(',')}${catPart(plan.category)} -->`);
    }
  }
  lines.push(...preExistingSection(plan.preExisting ?? [], plan.category));
  if (extra.unanalysed) {
    const what = count(extra.unanalysed, 'changed function or file', 'changed functions or files');
    lines.push('', `${what} ${extra.unanalysed === 1 ? 'was' : 'were'} not analysed; see the job summary.`);
  }
  if (extra.summaryUrl) lines.push('', `[Job summary](${extra.summaryUrl})`);
  return lines.join('\n');
}
