import { createRequire as __vrCreateRequire } from 'node:module';
const require = __vrCreateRequire(import.meta.url);

// src/types.ts
var VDISC_CLASSES = ["CWE-120", "CWE-119", "CWE-469", "CWE-476", "CWE-other"];

export {
  VDISC_CLASSES
};
