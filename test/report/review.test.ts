import { describe, expect, it } from 'vitest';
import { findingsOfVerdict } from '../../src/report/findings.ts';
import {
  bodyLine,
  commentBody,
  commentMarker,
  fingerprintsIn,
  fixedReplyBody,
  hasNewFindings,
  MAX_FILE_COMMENTS,
  markerFor,
  placeFinding,
  planReview,
  reviewBody,
} from '../../src/report/review.ts';
import { change, finding, fn, verdict } from './fixtures.ts';

/** What GITHUB_TOKEN's comments carry as `user`. */
const BOT = { login: 'github-actions[bot]', type: 'Bot' };
const ALICE = { login: 'alice', type: 'User' };

describe('commentBody', () => {
  it('names the function, CWE, confidence, backend and model, and ends with the fingerprint marker', () => {
    const f = finding({}, { reason: 'strcpy into a fixed 16-byte buffer', line: 3 });
    const body = commentBody(f);
    expect(body).toContain('`copy_name`');
    expect(body).toContain('CWE-120');
    expect(body).toContain('0.93');
    expect(body).toContain('`endpoint`');
    expect(body).toContain('`vdisc-lora`');
    expect(body).toContain('strcpy into a fixed 16-byte buffer');
    expect(body.endsWith(markerFor(f.fingerprint))).toBe(true);
    expect(fingerprintsIn(body)).toEqual([f.fingerprint]);
  });

  it('quotes the model answer as the reason when there is none, without letting it forge a marker', () => {
    const f = finding({}, { rawAnswer: 'Yes `x` <!-- vulnreview:fp=deadbeefdeadbeef -->' });
    const body = commentBody(f);
    expect(fingerprintsIn(body)).toEqual([f.fingerprint]);
    expect(body).toContain("answer: `Yes 'x' vulnreview:fp=deadbeefdeadbeef`");
  });
});

describe('forged markers', () => {
  const forged = '<<!--!-- vulnreview:fp=00000000 ---->>';

  it("a function name cannot forge a marker that passes for the comment's identity", () => {
    const f = finding({ name: `f${forged}` });
    const body = commentBody(f);
    expect(body).not.toContain('vulnreview:fp=00000000 -->');
    expect(commentMarker(body)?.fingerprint).toBe(f.fingerprint);
    expect(fingerprintsIn(body)).toEqual([f.fingerprint]);
    // Still reported as posted, so the comment stays and nothing is posted again.
    const plan = planReview({
      findings: [f],
      changes: [change()],
      existing: [{ id: 1, path: 'src/copy.c', body, author: BOT }],
      maxComments: 30,
    });
    expect(plan.alreadyPosted).toBe(1);
    expect(plan.remove).toEqual([]);
  });

  it('only the marker that ends a comment, or a review-body line, is read', () => {
    const f = finding();
    const quoted = `**vulnreview**: x <!-- vulnreview:fp=00000000 --> y\n${markerFor(f.fingerprint)}`;
    expect(commentMarker(quoted)?.fingerprint).toBe(f.fingerprint);
    expect(fingerprintsIn(quoted)).toEqual([f.fingerprint]);
    const review = `- \`a <!-- vulnreview:fps=00000000 --> b\` ${markerFor(f.fingerprint)}`;
    expect(fingerprintsIn(review)).toEqual([f.fingerprint]);
  });
});

describe('category', () => {
  const a = finding();
  const b = finding({ name: 'other', start: 40, end: 44, source: 'void other(void) { gets(s); }' });

  it('a run never deletes, nor counts as posted, the comments of a run with another category', () => {
    const theirs = { id: 1, path: 'src/copy.c', body: commentBody(a, 'vulnreview/b'), author: BOT };
    const plan = planReview({
      findings: [a, b],
      changes: [change()],
      existing: [theirs],
      existingReviewBodies: [
        reviewBody(
          planReview({ findings: [b], changes: [], existing: [], maxComments: 0, category: 'vulnreview/b' }),
        ),
      ],
      maxComments: 30,
      category: 'vulnreview/a',
    });
    expect(plan.remove).toEqual([]);
    expect(plan.alreadyPosted).toBe(0);
    expect(plan.inline.map((c) => c.body)).toEqual([commentBody(a, 'vulnreview/a')]);
    // Its own comment, gone finding: deleted.
    const mine = { id: 2, path: 'src/copy.c', body: commentBody(b, 'vulnreview/a'), author: BOT };
    expect(
      planReview({
        findings: [],
        changes: [change()],
        existing: [theirs, mine],
        maxComments: 30,
        category: 'vulnreview/a',
      }).remove.map((c) => c.id),
    ).toEqual([2]);
  });

  it('a category without its trailing "/" is the same run: markers of 0.1.0 still match', () => {
    // 0.1.0 wrote the category as given; now it is always normalised to end in "/".
    const old = commentBody(a).replace(/ cat=[^ ]+ -->$/, ' cat=vulnreview-gpu -->');
    expect(commentBody(a, 'vulnreview-gpu')).toContain(' cat=vulnreview-gpu%2F -->');
    expect(commentBody(a, 'vulnreview-gpu')).toBe(commentBody(a, 'vulnreview-gpu/'));
    const existing = [{ id: 1, path: 'src/copy.c', body: old, author: BOT }];
    for (const category of ['vulnreview-gpu', 'vulnreview-gpu/']) {
      const plan = planReview({ findings: [a], changes: [change()], existing, maxComments: 30, category });
      expect(plan.alreadyPosted).toBe(1);
      expect(
        planReview({ findings: [], changes: [], existing, maxComments: 30, category }).remove,
      ).toHaveLength(1);
    }
    expect(
      fingerprintsIn(
        reviewBody(planReview({ findings: [b], changes: [], existing: [], maxComments: 0, category: 'x' })),
        'x/',
      ),
    ).toEqual([b.fingerprint]);
  });

  it('markers written before they carried a category belong to the default category', () => {
    const old = commentBody(a).replace(/ cat=[^ ]+ -->$/, ' -->');
    expect(old.endsWith(`<!-- vulnreview:fp=${a.fingerprint} -->`)).toBe(true);
    const existing = [{ id: 1, path: 'src/copy.c', body: old, author: BOT }];
    expect(planReview({ findings: [], changes: [], existing, maxComments: 30 }).remove).toHaveLength(1);
    expect(
      planReview({ findings: [], changes: [], existing, maxComments: 30, category: 'other/' }).remove,
    ).toEqual([]);
    expect(fingerprintsIn(`- x <!-- vulnreview:fp=${a.fingerprint} -->`)).toEqual([a.fingerprint]);
  });
});

describe('untrusted text in comments', () => {
  const hostile = '@octocat see <img src=x onerror=alert(1)> [click](https://evil.example) **now** | # H';

  it('cannot mention anyone, inject HTML or format the review comment through the reason', () => {
    const body = commentBody(finding({}, { reason: hostile }));
    expect(body).not.toMatch(/@[A-Za-z]/);
    expect(body).not.toContain('<img');
    expect(body).not.toContain('](https://evil');
    expect(body).not.toContain('**now**');
    expect(body).toContain('&lt;img src=x onerror=alert\\(1\\)&gt;');
  });

  it('turns no URL, address, reference or SHA in model or rule text into a link', () => {
    const reason =
      'see https://evil.example/x and www.evil.example, mail bob@evil.example, fixes #12, GH-7, octo/repo#3, commit 9fceb02d0ae598e95dc970b74767f19372d61af8';
    const body = commentBody(finding({}, { reason }));
    expect(body).not.toMatch(/https?:\/\/evil/);
    expect(body).not.toMatch(/www\.evil/);
    expect(body).not.toMatch(/@evil/);
    expect(body).not.toMatch(/#\d/);
    expect(body).not.toMatch(/GH-\d/);
    expect(body).not.toContain('9fceb02d0ae598e95dc970b74767f19372d61af8');
    // What a reader sees is unchanged once the zero-width spaces are taken out.
    expect(body.replace(/\u200b/g, '')).toContain('https://evil.example/x');
    expect(body.replace(/\u200b/g, '')).toContain('fixes \\#12');
  });

  it('cannot break out of the code span in a review-body line through a file path', () => {
    const f = finding({ file: 'src/`@octocat`.c', name: 'f`<b>`' });
    const line = bodyLine(f);
    expect(line).toContain("`src/'@octocat'.c`");
    expect(line).toContain("`f'<b>'`");
    expect(line.match(/`/g)).toHaveLength(4);
  });
});

describe('placeFinding', () => {
  it('prefers the line the verdict points at, with start_line only when the function starts in the same hunk', () => {
    // function 10–16, hunk 9–15, verdict line 3 → file line 12
    expect(placeFinding(finding({}, { line: 3 }), change())).toEqual({
      kind: 'line',
      line: 12,
      startLine: 10,
    });
  });

  it('falls back to the first added line of the function', () => {
    expect(placeFinding(finding(), change({ addedLines: [14] }))).toEqual({
      kind: 'line',
      line: 14,
      startLine: 10,
    });
  });

  it('leaves out start_line when the function starts before the hunk', () => {
    expect(
      placeFinding(finding(), change({ hunks: [{ newStart: 13, newLines: 5 }], addedLines: [14] })),
    ).toEqual({
      kind: 'line',
      line: 14,
    });
  });

  it('ignores a verdict line outside every hunk and uses a line that is inside one', () => {
    const f = finding({}, { line: 7 }); // file line 16, outside hunk 9–15
    expect(placeFinding(f, change({ addedLines: [] }))).toEqual({ kind: 'line', line: 10 });
  });

  it('uses a file-level comment when no line of the function is in a hunk, the body when the file is not in the diff', () => {
    expect(
      placeFinding(finding(), change({ hunks: [{ newStart: 40, newLines: 3 }], addedLines: [41] })),
    ).toEqual({ kind: 'file' });
    expect(placeFinding(finding(), change({ wholeFile: true, hunks: [], addedLines: [] }))).toEqual({
      kind: 'file',
    });
    expect(placeFinding(finding(), undefined)).toEqual({ kind: 'body' });
  });
});

describe('planReview', () => {
  const a = finding();
  const b = finding(
    { name: 'other', start: 40, end: 44, source: 'void other(char *p) { gets(p); }' },
    { confidence: 0.7 },
  );
  const changes = [
    change({
      hunks: [
        { newStart: 9, newLines: 7 },
        { newStart: 40, newLines: 5 },
      ],
      addedLines: [12, 42],
    }),
  ];

  it('posts new findings inline', () => {
    const plan = planReview({ findings: [a, b], changes, existing: [], maxComments: 30 });
    expect(plan.inline.map((c) => [c.path, c.line])).toEqual([
      ['src/copy.c', 12],
      ['src/copy.c', 42],
    ]);
    expect(plan.inBody).toEqual([]);
    expect(hasNewFindings(plan)).toBe(true);
  });

  it('skips findings already commented, in a comment or a review body, even after the function moved', () => {
    const moved = finding({ start: 60, end: 66 });
    const plan = planReview({
      findings: [moved, b],
      changes,
      existing: [{ id: 1, path: 'src/copy.c', body: commentBody(a), author: BOT }],
      existingReviewBodies: [`listed ${markerFor(b.fingerprint)}`],
      maxComments: 30,
    });
    expect(plan.alreadyPosted).toBe(2);
    expect(hasNewFindings(plan)).toBe(false);
    expect(plan.remove).toEqual([]);
  });

  it('removes our comments whose finding went away, keeps replied ones and marks them fixed once', () => {
    const gone = { id: 1, path: 'src/copy.c', body: commentBody(a), author: BOT };
    const replied = { id: 2, path: 'src/copy.c', body: commentBody(b), author: BOT };
    const reply = { id: 3, path: 'src/copy.c', body: 'Is this real?', inReplyToId: 2 };
    const someoneElse = { id: 4, path: 'src/copy.c', body: 'nice change' };
    const plan = planReview({
      findings: [],
      changes,
      existing: [gone, replied, reply, someoneElse],
      maxComments: 30,
    });
    expect(plan.remove.map((c) => c.id)).toEqual([1]);
    expect(plan.markFixed.map((c) => c.id)).toEqual([2]);

    const again = planReview({
      findings: [],
      changes,
      existing: [
        replied,
        reply,
        {
          id: 5,
          path: 'src/copy.c',
          body: fixedReplyBody(b.fingerprint, 'abc'),
          inReplyToId: 2,
          author: BOT,
        },
      ],
      maxComments: 30,
    });
    expect(again.markFixed).toEqual([]);
    expect(again.remove).toEqual([]);
  });

  it("never deletes or counts as posted a person's comment that carries our marker and shape", () => {
    // Alice pasted our comment for finding a (still present) and for b (gone) into comments of her own.
    const pastedA = { id: 1, path: 'src/copy.c', body: commentBody(a), author: ALICE };
    const pastedB = { id: 2, path: 'src/copy.c', body: commentBody(b), author: ALICE };
    const anonymous = { id: 3, path: 'src/copy.c', body: commentBody(b) };
    const plan = planReview({
      findings: [a],
      changes,
      existing: [pastedA, pastedB, anonymous],
      maxComments: 30,
    });
    expect(plan.remove).toEqual([]);
    expect(plan.markFixed).toEqual([]);
    expect(plan.alreadyPosted).toBe(0);
    expect(plan.inline.map((c) => c.finding.fingerprint)).toEqual([a.fingerprint]);
  });

  it('with a personal token, only that login is us: a bot of another app is not', () => {
    const otherBot = { login: 'codecov[bot]', type: 'Bot' };
    const mine = { id: 1, path: 'src/copy.c', body: commentBody(a), author: ALICE };
    const theirs = { id: 2, path: 'src/copy.c', body: commentBody(b), author: otherBot };
    const plan = planReview({
      findings: [],
      changes,
      existing: [mine, theirs],
      maxComments: 30,
      self: { login: 'alice' },
    });
    expect(plan.remove.map((c) => c.id)).toEqual([1]);
  });

  it('keeps our comments on files where some function went unanalysed this run', () => {
    const plan = planReview({
      findings: [],
      changes,
      existing: [{ id: 1, path: 'src/copy.c', body: commentBody(a), author: BOT }],
      maxComments: 30,
      incompletePaths: new Set(['src/copy.c']),
    });
    expect(plan.remove).toEqual([]);
  });

  it('caps inline comments and lists the rest in the body, most confident inline', () => {
    const many = Array.from({ length: 5 }, (_, i) =>
      finding(
        { name: `f${i}`, start: 10, end: 16, source: `void f${i}(void) { strcpy(a, b); }` },
        { confidence: 0.9 - i / 10 },
      ),
    );
    const plan = planReview({ findings: many, changes, existing: [], maxComments: 2 });
    expect(plan.inline.map((c) => c.finding.fn.name)).toEqual(['f0', 'f1']);
    expect(plan.inBody.map((f) => f.fn.name)).toEqual(['f2', 'f3', 'f4']);
    const body = reviewBody(plan);
    expect(body).toContain('5 new potential vulnerabilities');
    expect(fingerprintsIn(body)).toEqual(plan.inBody.map((f) => f.fingerprint));
  });

  it('sends findings outside the diff to the body and unplaceable ones to file-level comments', () => {
    const elsewhere = finding({ file: 'src/other.c' });
    const outside = finding({ start: 100, end: 104, source: 'void far(void) { gets(x); }' });
    const plan = planReview({ findings: [elsewhere, outside], changes, existing: [], maxComments: 30 });
    expect(plan.inBody.map((f) => f.fn.file)).toEqual(['src/other.c']);
    expect(plan.fileLevel.map((c) => c.path)).toEqual(['src/copy.c']);
    expect(plan.fileLevel[0]!.line).toBeUndefined();
  });

  it('keeps the review body under the GitHub size limit however many findings there are', () => {
    const many = Array.from({ length: 2000 }, (_, i) =>
      finding({ file: 'src/far.c', name: `f${i}`, source: `void f${i}(void) { gets(b); }` }),
    );
    const plan = planReview({ findings: many, changes: [], existing: [], maxComments: 30 });
    const body = reviewBody(plan);
    expect(body.length).toBeLessThan(65_536);
    expect(body).toContain('… and 1800 more, listed in the job summary');
    // Up to about 1,300 findings, every one counted in the body is recognised as posted on the next run.
    const thousand = many.slice(0, 1000);
    const first = reviewBody(planReview({ findings: thousand, changes: [], existing: [], maxComments: 30 }));
    const again = planReview({
      findings: thousand,
      changes: [],
      existing: [],
      existingReviewBodies: [first],
      maxComments: 30,
    });
    expect(again.alreadyPosted).toBe(1000);
    expect(hasNewFindings(again)).toBe(false);
  });

  it('posts at most MAX_FILE_COMMENTS file-level comments, the rest in the body', () => {
    const whole = change({ wholeFile: true, hunks: [], addedLines: [] });
    const many = Array.from({ length: MAX_FILE_COMMENTS + 2 }, (_, i) =>
      finding({ name: `w${i}`, source: `void w${i}(void) { gets(b); }` }),
    );
    const plan = planReview({ findings: many, changes: [whole], existing: [], maxComments: 30 });
    expect(plan.fileLevel).toHaveLength(MAX_FILE_COMMENTS);
    expect(plan.inBody).toHaveLength(2);
  });
});

describe('several findings in one function', () => {
  // The rules backend found an unchecked malloc (line 2 of the function) and an overflowing copy (line 3).
  const f = fn({ firstChangedLine: 11 });
  const findings = findingsOfVerdict(
    f,
    verdict({
      backend: 'rules',
      model: 'rules-1',
      cwe: 'CWE-120',
      confidence: 0.9,
      hits: [
        { cwe: 'CWE-120', line: 3, reason: 'strcpy into a 16-byte buffer', confidence: 0.9, id: 'copy' },
        { cwe: 'CWE-476', line: 2, reason: 'malloc result used unchecked', confidence: 0.7, id: 'null' },
      ],
    }),
  );

  it('posts one comment per weakness, each on its own line, with distinct markers', () => {
    const plan = planReview({
      findings,
      changes: [change({ addedLines: [11, 12], hunks: [{ newStart: 9, newLines: 8 }] })],
      existing: [],
      maxComments: 30,
    });
    expect(plan.inline.map((c) => [c.line, c.finding.ruleId])).toEqual([
      [12, 'vulnreview/CWE-120'],
      [11, 'vulnreview/CWE-476'],
    ]);
    const markers = plan.inline.map((c) => commentMarker(c.body)?.fingerprint);
    expect(new Set(markers).size).toBe(2);
    expect(plan.inline[0]!.body).toContain('at line 12 in `copy_name`');
    expect(plan.inline[1]!.body).toContain('malloc result used unchecked');
    // A re-run sees both as posted; a fix of one removes only its comment.
    const existing = plan.inline.map((c, i) => ({ id: i + 1, path: c.path, body: c.body, author: BOT }));
    const again = planReview({ findings, changes: [change()], existing, maxComments: 30 });
    expect(again.alreadyPosted).toBe(2);
    const fixedOne = planReview({ findings: [findings[1]!], changes: [change()], existing, maxComments: 30 });
    expect(fixedOne.remove.map((c) => c.id)).toEqual([1]);
  });

  it('lists each on its own line in the review body', () => {
    const plan = planReview({ findings, changes: [], existing: [], maxComments: 30 });
    const body = reviewBody(plan);
    expect(body).toContain('### vulnreview: 2 new potential vulnerabilities');
    expect(body).toContain('`src/copy.c` line 12, in `copy_name`');
    expect(body).toContain('`src/copy.c` line 11, in `copy_name`');
    expect(fingerprintsIn(body).sort()).toEqual(findings.map((x) => x.fingerprint).sort());
  });
});
