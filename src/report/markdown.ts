// Untrusted text (model answers, file paths, function names from the code under review) made safe to show
// as plain text in GitHub Markdown: it can neither format, link, nor mention anyone, nor inject HTML.
/**
 * Strips what could forge our markers or break out of markdown code spans; model text is untrusted.
 * HTML comment delimiters go until none is left: one pass would turn `<<!--!--` into a working `<!--`.
 */
export function sanitize(text: string, max = 300): string {
  let clean = text.replace(/`/g, "'");
  for (let prev = ''; prev !== clean; ) {
    prev = clean;
    clean = clean.replace(/<!--|-->/g, '');
  }
  // Folding whitespace only shortens runs of it, so it cannot join a delimiter back together.
  clean = clean.replace(/\s+/g, ' ').trim();
  return clean.length <= max ? clean : `${clean.slice(0, max - 1)}…`;
}

/** A zero-width space: invisible, but no autolink, mention or reference can run across it. */
const ZWSP = '\u200b';

/**
 * What GitHub turns into a link in plain comment text, each broken by a zero-width space: URLs (`x://`
 * and `www.`), e-mail addresses and `@mentions` (the `@`), issue and pull request references (`#12`,
 * `owner/repo#12`, `GH-12`) and commit SHAs (7 to 40 hex digits). Model and rule text is untrusted: it
 * must not become a link a reviewer might follow, nor notify anyone.
 */
function breakAutolinks(text: string): string {
  return text
    .replace(/:\/\//g, `:${ZWSP}//`)
    .replace(/\bwww\./gi, (m) => `${m.slice(0, 3)}${ZWSP}.`)
    .replace(/@/g, `@${ZWSP}`)
    .replace(/#(?=\d)/g, `#${ZWSP}`)
    .replace(/\b(GH)-(?=\d)/gi, `$1${ZWSP}-`)
    .replace(
      /\b(?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{7,40}\b/gi,
      (sha) => `${sha.slice(0, 6)}${ZWSP}${sha.slice(6)}`,
    );
}

/** Markdown punctuation that could start emphasis, links, headings, tables, strikethrough or images. */
const MARKDOWN_PUNCTUATION = /[\\*_[\]()#|~!]/g;

/**
 * `text` as literal prose: our markers and backticks stripped, whitespace folded (see `sanitize`), then
 * HTML special characters as entities, Markdown punctuation backslash-escaped, and mentions, URLs and
 * references kept from becoming links. For text inside a code span use `sanitize` alone: nothing renders
 * or links there.
 */
export function escapeMarkdown(text: string, max = 300): string {
  const escaped = sanitize(text, max)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(MARKDOWN_PUNCTUATION, (c) => `\\${c}`)
    .replace(/^([-+=])/, '\\$1') // would start a list item or a setext heading underline
    .replace(/^(\d+)([.)])/, '$1\\$2'); // would start an ordered list
  return breakAutolinks(escaped);
}
