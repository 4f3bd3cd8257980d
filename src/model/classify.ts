// Turning a model's answer into a verdict: the seed's keyword method for text answers, and P(yes) from the
// top logprobs at the answer's first word when the server gives them. docs/model.md ("What vulnreview asks
// and reads") states the same rule for whoever prepares fine-tuning data: the two must agree.
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

// Whitespace as tokenizers may spell it when a server hands back raw vocabulary entries: byte-level BPE's
// Ġ (space), Ċ (newline), ĉ (tab), č (carriage return), and SentencePiece's ▁.
const WHITESPACE_MARKERS = /[\u0120\u010a\u0109\u010d\u2581]/g;
// Special tokens (<|eot_id|>, <｜end▁of▁sentence｜>, </s>) and SentencePiece byte-fallback pieces (<0x0A>).
const SPECIAL_TOKEN = /^<[^<>\s]+>$/;

/** A token as the tokenizer wrote it, reduced to the word: leading spaces, BPE (Ġ) and SentencePiece (▁) markers. */
function tokenWord(token: string): string {
  return token
    .replace(/^[\s\u0120\u010a\u0109\u010d\u2581]+/, '')
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

/**
 * Whether a generated token carries a word: a letter or digit once whitespace (and its tokenizer spellings),
 * punctuation and markup are set aside. Special tokens and byte-fallback pieces never do.
 */
export function isWordToken(token: string): boolean {
  const bare = token.trim();
  if (SPECIAL_TOKEN.test(bare)) return false;
  return /[\p{L}\p{N}]/u.test(token.replace(WHITESPACE_MARKERS, ' '));
}

/** vLLM's `--return-tokens-as-token-ids` spelling of a token: `token_id:9642`. */
export function isTokenIdPlaceholder(token: string): boolean {
  return /^token_id:\d+$/.test(token);
}

export interface TokenLogprobs {
  token: string;
  logprob: number;
  top_logprobs?: Array<{ token: string; logprob: number }> | null;
}

/**
 * P(yes) read where the answer's first word was generated: the first position whose *chosen* token carries
 * a word (isWordToken). Positions before it (a newline or space a chat template leaves to the model, `**`
 * markup) are passed over, alternatives included: their top tokens are what might have come instead of the
 * whitespace, not the answer. The chosen word must itself be yes or no (any case, leading space, trailing
 * `.,:!`); otherwise the model started prose and there is no Yes/No answer to weigh. At that position the top
 * alternatives give P(yes) normalised over yes-like and no-like tokens; with fewer than two alternatives (a
 * server limited to one, or TGI with top_n_tokens 0) the chosen token's own probability is used.
 * `position` is undefined when no generated token carries a word; `pYes` when the first word is not yes/no.
 */
export function readAnswerProbability(tokens: TokenLogprobs[]): { position?: number; pYes?: number } {
  const position = tokens.findIndex((entry) => isWordToken(entry.token ?? ''));
  if (position < 0) return {};
  const entry = tokens[position]!;
  const word = tokenWord(entry.token ?? '');
  if (word !== 'yes' && word !== 'no') return { position };
  const top = Array.isArray(entry.top_logprobs) ? entry.top_logprobs : [];
  const chosen = () => probabilityFromChosenToken(entry.token ?? '', entry.logprob);
  const pYes = top.length >= 2 ? (probabilityFromLogprobs(top) ?? chosen()) : chosen();
  return pYes === undefined ? { position } : { position, pYes };
}
