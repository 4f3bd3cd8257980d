import { describe, expect, it } from 'vitest';
import { collectGlobs, configFromInputs, parseGlobs } from '../../src/config.ts';

const from = (inputs: Record<string, string>) => configFromInputs((name) => inputs[name] ?? '');

describe('configFromInputs', () => {
  it('applies the defaults of action.yml when inputs are empty', () => {
    expect(from({})).toEqual({
      backend: 'auto',
      endpoint: undefined,
      model: undefined,
      apiKey: undefined,
      prompt: 'pd-1',
      concurrency: 8,
      timeoutSeconds: undefined,
      timeBudgetSeconds: undefined,
      sarifFile: 'vulnreview.sarif',
      failOnConfidence: undefined,
      onError: 'fail',
      maxComments: 30,
      paths: [],
      pathsIgnore: [],
      maxFileBytes: 1024 * 1024,
      category: 'vulnreview/',
      cache: true,
      report: 'new',
      baselineMargin: 0.2,
    });
  });

  it('reads the delta and explanation inputs, and refuses bad ones naming the input', () => {
    const c = from({
      report: 'all',
      'baseline-margin': '0.35',
      'explain-endpoint': 'http://127.0.0.1:9000/v1',
      'explain-model': 'qwen-coder',
      'explain-api-key': 'sk-explain',
      'explain-min-confidence': '0.8',
    });
    expect(c).toMatchObject({
      report: 'all',
      baselineMargin: 0.35,
      explain: {
        endpoint: 'http://127.0.0.1:9000/v1',
        model: 'qwen-coder',
        apiKey: 'sk-explain',
        minConfidence: 0.8,
      },
    });
    expect(from({ 'explain-model': 'x' }).explain).toBeUndefined();
    expect(() => from({ report: 'some' })).toThrow('invalid report "some": expected new or all');
    expect(() => from({ 'baseline-margin': '2' })).toThrow('invalid baseline-margin "2"');
    expect(() => from({ 'explain-min-confidence': 'high' })).toThrow('invalid explain-min-confidence');
  });

  it('reads every input', () => {
    const c = from({
      backend: 'endpoint',
      endpoint: ' http://127.0.0.1:8000/v1 ',
      'fail-on-confidence': '0.85',
      'on-error': 'warn',
      'max-comments': '0',
      paths: 'src/**\n# comment\n\nlib/**',
      'paths-ignore': 'vendor/**, third_party/**',
      'max-file-size': '64',
      cache: 'false',
      timeout: '30',
      'time-budget': '600',
      macros: ' .github/vulnreview-macros.yml ',
    });
    expect(c).toMatchObject({
      backend: 'endpoint',
      endpoint: 'http://127.0.0.1:8000/v1',
      failOnConfidence: 0.85,
      onError: 'warn',
      maxComments: 0,
      paths: ['src/**', 'lib/**'],
      pathsIgnore: ['vendor/**', 'third_party/**'],
      maxFileBytes: 64 * 1024,
      cache: false,
      timeoutSeconds: 30,
      timeBudgetSeconds: 600,
      macros: '.github/vulnreview-macros.yml',
    });
  });

  it('names the input and what it accepts when a value is bad', () => {
    expect(() => from({ 'fail-on-confidence': 'high' })).toThrow(
      'invalid fail-on-confidence "high": expected a number from 0 to 1',
    );
    expect(() => from({ 'on-error': 'ignore' })).toThrow('invalid on-error "ignore": expected fail or warn');
    expect(() => from({ backend: 'gpt' })).toThrow('invalid backend "gpt"');
    expect(() => from({ concurrency: '0' })).toThrow('invalid concurrency "0"');
    expect(() => from({ 'max-comments': '2.5' })).toThrow('invalid max-comments');
    expect(() => from({ 'time-budget': '10m' })).toThrow('invalid time-budget "10m"');
    expect(() => from({ cache: 'yes' })).toThrow('invalid cache "yes": expected true or false');
  });

  it('splits globs on newlines and commas', () => {
    expect(parseGlobs('a/**, b/*.c\n\n c ')).toEqual(['a/**', 'b/*.c', 'c']);
  });

  it('collects repeated CLI glob options the same way, `#` comments dropped', () => {
    expect(collectGlobs('# vendored\nthird_party/**, x.c', collectGlobs('a/**'))).toEqual([
      'a/**',
      'third_party/**',
      'x.c',
    ]);
  });
});
