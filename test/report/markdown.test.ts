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

  it('keeps URLs, addresses, references and SHAs from becoming links, visibly unchanged', () => {
    const out = escapeMarkdown('http://a.example www.b.example c@d.example #9 GH-9 abcdef1234567');
    expect(out).toBe(
      'http:\u200b//a.example www\u200b.b.example c@\u200bd.example \\#\u200b9 GH\u200b-9 abcdef\u200b1234567',
    );
    // Words and numbers that only look hex-ish stay as they are.
    expect(escapeMarkdown('deadline 1234567 bytes, facade')).toBe('deadline 1234567 bytes, facade');
  });
});
