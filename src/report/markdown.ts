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

/** A zero-width space after `@` stops GitHub from turning `@name` into a mention (and a notification). */
const BREAK_MENTION = '@\u200b';

/** Markdown punctuation that could start emphasis, links, headings, tables, strikethrough or images. */
const MARKDOWN_PUNCTUATION = /[\\*_[\]()#|~!]/g;

/**
 * `text` as literal prose: our markers and backticks stripped, whitespace folded (see `sanitize`), then
 * HTML special characters as entities, Markdown punctuation backslash-escaped and mentions broken. For text
 * inside a code span use `sanitize` alone: nothing renders there.
 */
export function escapeMarkdown(text: string, max = 300): string {
  return sanitize(text, max)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(MARKDOWN_PUNCTUATION, (c) => `\\${c}`)
    .replace(/^([-+=])/, '\\$1') // would start a list item or a setext heading underline
    .replace(/^(\d+)([.)])/, '$1\\$2') // would start an ordered list
    .replace(/@/g, BREAK_MENTION);
}
