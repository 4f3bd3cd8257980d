import { describe, expect, it } from 'vitest';
import {
  classifyAnswer,
  probabilityFromChosenToken,
  probabilityFromLogprobs,
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
