import { describe, expect, it } from 'vitest';
import { escapeMarkdown, sanitize } from '../../src/report/markdown.ts';

describe('sanitize', () => {
  it('strips comment delimiters until none is left: nested ones cannot rebuild a marker', () => {
    const out = sanitize('f<<!--!-- vulnreview:fp=00000000 ---->>');
    expect(out).not.toContain('<!--');
    expect(out).not.toContain('-->');
    expect(sanitize('a <!<!---- b')).not.toContain('<!--');
    expect(sanitize('operator<<')).toBe('operator<<');
  });
});

describe('escapeMarkdown', () => {
  it('leaves plain prose readable and turns markup into literal text', () => {
    expect(escapeMarkdown('strcpy into a 16-byte buffer')).toBe('strcpy into a 16-byte buffer');
    expect(escapeMarkdown('a_b (c) <y> & [z]')).toBe('a\\_b \\(c\\) &lt;y&gt; &amp; \\[z\\]');
  });

  it('breaks mentions with a zero-width space and keeps our markers out', () => {
    expect(escapeMarkdown('ping @octocat and @org/team')).toBe('ping @\u200boctocat and @\u200borg/team');
    expect(escapeMarkdown('x <!-- vulnreview:fp=deadbeefdeadbeef --> y')).not.toContain('<!--');
  });

  it('does not let a leading list or heading marker format the line', () => {
    expect(escapeMarkdown('- item')).toBe('\\- item');
    expect(escapeMarkdown('+ item')).toBe('\\+ item');
    expect(escapeMarkdown('12. item')).toBe('12\\. item');
    expect(escapeMarkdown('# title')).toBe('\\# title');
  });
});
