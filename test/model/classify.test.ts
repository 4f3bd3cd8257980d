import { describe, expect, it } from 'vitest';
import {
  classifyAnswer,
  isTokenIdPlaceholder,
  isWordToken,
  probabilityFromChosenToken,
  probabilityFromLogprobs,
  readAnswerProbability,
} from '../../src/model/classify.ts';

describe('classifyAnswer', () => {
  it.each([
    ['Yes', true],
    [' yes.', true],
    ['YES', true],
    ['No', false],
    ['no, the bounds are checked', false],
    ['The code is vulnerable because strcpy has no bound.', true],
    ['This function is not vulnerable.', false],
    ["It isn't vulnerable", false],
    ['Not vulnerable', false],
    ['**Yes**', true],
    ['The answer is yes', true],
    ['I would say no', false],
    // Prose that says neither, or both, stays unclassified: never counted as safe.
    ['The function copies a string into a buffer.', null],
    ['It is not vulnerable to overflow but it is vulnerable to a NULL dereference', null],
    ['maybe yes, maybe no', null],
    ['', null],
    ['Yesterday', null],
    ['Nothing to report', null],
  ])('%j → %s', (text, expected) => {
    expect(classifyAnswer(text).vulnerable).toBe(expected);
  });

  it.each([
    ['Yes: CWE-120', 'CWE-120'],
    ['yes (cwe-476)', 'CWE-476'],
    ['Yes: CWE 469', 'CWE-469'],
    ['Yes: CWE-119.', 'CWE-119'],
    ['Yes: CWE-787', 'CWE-other'],
    ['Yes: CWE-other', 'CWE-other'],
  ])('parses the class in %j', (text, cwe) => {
    expect(classifyAnswer(text)).toEqual({ vulnerable: true, cwe });
  });

  it('names no class for a plain yes, and none for a no', () => {
    expect(classifyAnswer('Yes')).toEqual({ vulnerable: true });
    expect(classifyAnswer('No: CWE-120')).toEqual({ vulnerable: false });
  });
});

describe('probabilityFromLogprobs', () => {
  it('normalises over yes-like and no-like variants', () => {
    const p = probabilityFromLogprobs([
      { token: 'Yes', logprob: Math.log(0.5) },
      { token: ' yes', logprob: Math.log(0.1) },
      { token: 'YES', logprob: Math.log(0.1) },
      { token: 'No', logprob: Math.log(0.2) },
      { token: '▁no', logprob: Math.log(0.05) },
      { token: 'The', logprob: Math.log(0.05) },
    ]);
    expect(p).toBeCloseTo(0.7 / 0.95, 10);
  });

  it('is 1 or 0 when only one side appears', () => {
    expect(probabilityFromLogprobs([{ token: 'ĠYes', logprob: -0.01 }])).toBe(1);
    expect(probabilityFromLogprobs([{ token: 'no', logprob: -3 }])).toBe(0);
  });

  it('is undefined when neither side appears', () => {
    expect(probabilityFromLogprobs([])).toBeUndefined();
    expect(
      probabilityFromLogprobs([
        { token: 'Yesterday', logprob: -0.1 },
        { token: 'None', logprob: -1 },
      ]),
    ).toBe(undefined);
    expect(probabilityFromLogprobs([{ token: 'Yes', logprob: Number.NEGATIVE_INFINITY }])).toBeUndefined();
  });
});

describe('probabilityFromChosenToken', () => {
  it('reads a lone chosen yes or no as P(yes)', () => {
    expect(probabilityFromChosenToken(' Yes', Math.log(0.8))).toBeCloseTo(0.8, 10);
    expect(probabilityFromChosenToken('No', Math.log(0.8))).toBeCloseTo(0.2, 10);
    expect(probabilityFromChosenToken('The', -0.1)).toBeUndefined();
  });
});

describe('isWordToken', () => {
  it.each([
    ['Yes', true],
    [' No', true],
    ['\u0120Yes', true],
    ['\u2581no', true],
    ['The', true],
    ['42', true],
    ['\n', false],
    ['\n\n', false],
    [' ', false],
    ['\u010a', false],
    ['\u0120', false],
    ['**', false],
    [':', false],
    ['<|eot_id|>', false],
    ['<\uff5cend\u2581of\u2581sentence\uff5c>', false],
    ['</s>', false],
    ['<0x0A>', false],
  ])('%j → %s', (token, expected) => {
    expect(isWordToken(token)).toBe(expected);
  });
});

describe('isTokenIdPlaceholder', () => {
  it("recognises vLLM's token_id:N and nothing else", () => {
    expect(isTokenIdPlaceholder('token_id:9642')).toBe(true);
    expect(isTokenIdPlaceholder('token_id:')).toBe(false);
    expect(isTokenIdPlaceholder('Yes')).toBe(false);
  });
});

describe('readAnswerProbability', () => {
  const lp = (token: string, p: number) => ({ token, logprob: Math.log(p) });

  it('reads the first position whose chosen token is a word, passing over a leading newline and its alternatives', () => {
    const tokens = [
      { ...lp('\n', 0.96), top_logprobs: [lp('\n', 0.96), lp('Yes', 0.0189), lp('No', 0.0111)] },
      {
        ...lp('No', 0.72),
        top_logprobs: [lp('No', 0.72), lp('Yes', 0.18), lp(' No', 0.05), lp(' Yes', 0.05)],
      },
      { ...lp('<|eot_id|>', 0.99), top_logprobs: [] },
    ];
    expect(readAnswerProbability(tokens)).toEqual({ position: 1, pYes: expect.closeTo(0.23, 6) });
  });

  it('passes over markup before the word', () => {
    const tokens = [
      { ...lp('**', 0.9), top_logprobs: [lp('**', 0.9), lp('No', 0.1)] },
      { ...lp('Yes', 0.8), top_logprobs: [lp('Yes', 0.8), lp('No', 0.2)] },
    ];
    expect(readAnswerProbability(tokens).pYes).toBeCloseTo(0.8, 6);
  });

  it('uses the chosen token alone when fewer than two alternatives came back', () => {
    expect(readAnswerProbability([{ ...lp('Yes', 0.7), top_logprobs: [] }]).pYes).toBeCloseTo(0.7, 6);
    expect(readAnswerProbability([{ ...lp('No', 0.7), top_logprobs: [lp('No', 0.7)] }]).pYes).toBeCloseTo(
      0.3,
      6,
    );
  });

  it('has no P(yes) when the first word is prose, even if yes and no are among its alternatives', () => {
    const tokens = [{ ...lp('The', 0.55), top_logprobs: [lp('The', 0.55), lp('Yes', 0.05), lp('No', 0.05)] }];
    expect(readAnswerProbability(tokens)).toEqual({ position: 0 });
  });

  it('finds no position when nothing generated is a word', () => {
    expect(
      readAnswerProbability([{ ...lp('\n', 0.9), top_logprobs: [lp('Yes', 0.05), lp('No', 0.05)] }]),
    ).toEqual({});
  });
});
