import type { VdiscClass } from '../types.ts';

/** What the reports say about each class a finding can carry. */
export interface WeaknessInfo {
  /** SARIF rule id. */
  ruleId: string;
  /** `CWE-120` …, absent for the generic rule and the catch-all class. */
  cwe?: VdiscClass;
  /** CWE number for the `external/cwe/cwe-N` tag, when the class is one CWE. */
  cweNumber?: number;
  name: string;
  title: string;
  description: string;
  helpUri: string;
  /**
   * GitHub's `security-severity` (CVSS-like, 0–10). Buffer overflows can lead to code execution, so they
   * rank high; a NULL dereference is usually a crash, so medium.
   */
  securitySeverity: string;
}

export const GENERIC_RULE_ID = 'vulnreview/vulnerable';

const CLASSES: Record<VdiscClass, WeaknessInfo> = {
  'CWE-120': {
    ruleId: 'vulnreview/CWE-120',
    cwe: 'CWE-120',
    cweNumber: 120,
    name: 'BufferCopyWithoutSizeCheck',
    title: 'Buffer copy without checking size of input',
    description:
      'The function copies data into a buffer without checking that the input fits (CWE-120, classic buffer overflow).',
    helpUri: 'https://cwe.mitre.org/data/definitions/120.html',
    securitySeverity: '8.8',
  },
  'CWE-119': {
    ruleId: 'vulnreview/CWE-119',
    cwe: 'CWE-119',
    cweNumber: 119,
    name: 'ImproperBufferBounds',
    title: 'Improper restriction of operations within the bounds of a memory buffer',
    description: 'The function may read or write outside the bounds of a memory buffer (CWE-119).',
    helpUri: 'https://cwe.mitre.org/data/definitions/119.html',
    securitySeverity: '8.1',
  },
  'CWE-469': {
    ruleId: 'vulnreview/CWE-469',
    cwe: 'CWE-469',
    cweNumber: 469,
    name: 'PointerSubtractionForSize',
    title: 'Use of pointer subtraction to determine size',
    description:
      'The function subtracts pointers that may not point into the same memory object to compute a size (CWE-469).',
    helpUri: 'https://cwe.mitre.org/data/definitions/469.html',
    securitySeverity: '5.5',
  },
  'CWE-476': {
    ruleId: 'vulnreview/CWE-476',
    cwe: 'CWE-476',
    cweNumber: 476,
    name: 'NullPointerDereference',
    title: 'NULL pointer dereference',
    description: 'The function may dereference a pointer that can be NULL (CWE-476).',
    helpUri: 'https://cwe.mitre.org/data/definitions/476.html',
    securitySeverity: '5.9',
  },
  'CWE-other': {
    ruleId: 'vulnreview/CWE-other',
    cwe: 'CWE-other',
    name: 'OtherMemorySafetyWeakness',
    title: 'Other potential vulnerability',
    description:
      'The function shows a potential vulnerability outside the four named classes (buffer copy, buffer bounds, pointer subtraction, NULL dereference), such as an integer overflow, format string or use after free.',
    helpUri: 'https://cwe.mitre.org/data/index.html',
    securitySeverity: '6.5',
  },
};

const GENERIC: WeaknessInfo = {
  ruleId: GENERIC_RULE_ID,
  name: 'PotentialVulnerability',
  title: 'Potential vulnerability',
  description: 'The backend judged the function vulnerable without naming a weakness class.',
  helpUri: 'https://cwe.mitre.org/data/index.html',
  securitySeverity: '6.5',
};

/** The class a finding with this CWE (or none) reports under. */
export function weaknessFor(cwe: VdiscClass | undefined): WeaknessInfo {
  return cwe ? CLASSES[cwe] : GENERIC;
}

/** Every class, generic rule last, in a fixed order so SARIF rule indices are stable. */
export const ALL_WEAKNESSES: readonly WeaknessInfo[] = [...Object.values(CLASSES), GENERIC];
