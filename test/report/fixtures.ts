// Plain-data builders for report tests: functions, verdicts and findings as the pipeline would produce them.
import { toFinding } from '../../src/report/findings.ts';
import type { ChangedFunction, FileChange, Finding, VdiscClass, Verdict } from '../../src/types.ts';

export function fn(overrides: Partial<ChangedFunction> = {}): ChangedFunction {
  return {
    file: 'src/copy.c',
    name: 'copy_name',
    start: 10,
    end: 16,
    lang: 'c',
    source:
      'void copy_name(char *dst, const char *src) {\n  char buf[16];\n  strcpy(buf, src);\n  strcpy(dst, buf);\n}\n',
    ...overrides,
  };
}

export function verdict(overrides: Partial<Verdict> = {}): Verdict {
  return {
    vulnerable: true,
    confidence: 0.93,
    cwe: 'CWE-120' as VdiscClass,
    rawAnswer: 'Yes, CWE-120',
    backend: 'endpoint',
    model: 'vdisc-lora',
    promptHash: 'p1',
    ...overrides,
  };
}

export function finding(f: Partial<ChangedFunction> = {}, v: Partial<Verdict> = {}): Finding {
  return toFinding(fn(f), verdict(v));
}

export function change(overrides: Partial<FileChange> = {}): FileChange {
  return {
    path: 'src/copy.c',
    status: 'modified',
    addedLines: [12],
    deletionPoints: [],
    wholeFile: false,
    hunks: [{ newStart: 9, newLines: 7 }],
    ...overrides,
  };
}
