// Turning a model's answer into a verdict: the seed's keyword method for text answers, and P(yes) from the
// top logprobs of the answer token when the server gives them.
import type { VdiscClass } from '../types.ts';

export interface AnswerClass {
  /** true vulnerable, false not, null unclassified (never counts as safe). */
  vulnerable: boolean | null;
  cwe?: VdiscClass;
}

const NEGATIVE = /\b(?:is\s+not|isn't|not|no)\s+vulnerable\b/g;
const POSITIVE = /\bis\s+vulnerable\b/g;

/**
 * The seed's keyword method. The first word decides when it is a bare yes/no ("Yes: CWE-120", "No."),
 * which is how fine-tuned models answer. Otherwise phrases: "not vulnerable" is looked for before
 * "is vulnerable" (the one contains "vulnerable"), then lone yes/no words. Contradictory or empty
 * answers, and prose that says neither, are unclassified.
 */
export function classifyAnswer(text: string): AnswerClass {
  const t = text.toLowerCase().replace(/\s+/g, ' ').trim();
  let vulnerable: boolean | null = null;
  const first = /^[^a-z0-9]*([a-z]+)/.exec(t)?.[1];
  if (first === 'yes') vulnerable = true;
  else if (first === 'no') vulnerable = false;
  else {
    const negatives = t.match(NEGATIVE)?.length ?? 0;
    // "is not vulnerable" does not match POSITIVE, so the two counts never share a phrase.
    const positives = t.match(POSITIVE)?.length ?? 0;
    if (negatives > 0 && positives === 0) vulnerable = false;
    else if (positives > 0 && negatives === 0) vulnerable = true;
    else if (positives === 0 && negatives === 0) {
      const yes = /\byes\b/.test(t);
      const no = /\bno\b/.test(t);
      if (yes !== no) vulnerable = yes;
    }
  }
  if (vulnerable !== true) return { vulnerable };
  const cwe = parseCwe(t);
  return cwe ? { vulnerable, cwe } : { vulnerable };
}

/** The VDISC class named in an answer: CWE numbers outside the five classes fold to CWE-other. */
export function parseCwe(text: string): VdiscClass | undefined {
  const match = /\bcwe[\s_-]?(\d+|other)\b/i.exec(text);
  if (!match) return undefined;
  const id = match[1]!.toLowerCase();
  if (id === '120' || id === '119' || id === '469' || id === '476') return `CWE-${id}`;
  return 'CWE-other';
}

/** A token as the tokenizer wrote it, reduced to the word: leading spaces, BPE (Ġ) and SentencePiece (▁) markers. */
function tokenWord(token: string): string {
  return token
    .replace(/^[\s\u0120\u2581]+/, '')
    .replace(/[\s.,:!]+$/, '')
    .toLowerCase();
}

/**
 * P(yes) normalised over the yes-like and no-like tokens among the top logprobs ('Yes', ' yes', 'YES',
 * 'No', ...). Undefined when neither side appears, so the caller can fall back to the text answer.
 */
export function probabilityFromLogprobs(top: Array<{ token: string; logprob: number }>): number | undefined {
  let yes = 0;
  let no = 0;
  for (const { token, logprob } of top) {
    if (typeof logprob !== 'number' || Number.isNaN(logprob)) continue;
    const word = tokenWord(token);
    if (word === 'yes') yes += Math.exp(logprob);
    else if (word === 'no') no += Math.exp(logprob);
  }
  const total = yes + no;
  if (total <= 0 || !Number.isFinite(total)) return undefined;
  return yes / total;
}

/**
 * P(yes) when a server sends only the chosen token's logprob (no alternatives, e.g. TGI without
 * top_logprobs): p of a chosen yes, or 1 − p of a chosen no, as if all other mass sat on the other side.
 */
export function probabilityFromChosenToken(token: string, logprob: number): number | undefined {
  if (typeof logprob !== 'number' || Number.isNaN(logprob)) return undefined;
  const p = Math.min(1, Math.exp(logprob));
  const word = tokenWord(token);
  if (word === 'yes') return p;
  if (word === 'no') return 1 - p;
  return undefined;
}
