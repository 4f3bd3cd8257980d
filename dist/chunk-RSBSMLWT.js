import { createRequire as __vrCreateRequire } from 'node:module';
const require = __vrCreateRequire(import.meta.url);
import {
  VDISC_CLASSES
} from "./chunk-7ZPHT74S.js";

// src/eval/dataset.ts
import { extname } from "node:path";
var SAMPLE_CLASSES = [
  ...VDISC_CLASSES,
  "vulnerable-unclassed",
  "non-vulnerable"
];
function classOf(sample) {
  if (sample.label === 0) return "non-vulnerable";
  return sample.vdisc ?? "vulnerable-unclassed";
}
function classCode(cls) {
  return SAMPLE_CLASSES.indexOf(cls);
}
var DatasetError = class extends Error {
  name = "DatasetError";
};
var CPP_SYNTAX = /::|\btemplate\s*<|\bnamespace\b|\bnullptr\b|\bnew\s+[A-Za-z_][\w:]*\s*[([<{;]|\bdelete\s*(\[\s*\])?\s*[A-Za-z_]|\bclass\s+\w+\s*[:{]/;
function guessLang(source) {
  return CPP_SYNTAX.test(source) ? "cpp" : "c";
}
async function openDataset(path) {
  const ext = extname(path).toLowerCase();
  if (ext === ".h5" || ext === ".hdf5") {
    const { openHdf5Dataset } = await import("./hdf5-B76CN5XY.js");
    return openHdf5Dataset(path);
  }
  if (ext === ".jsonl" || ext === ".ndjson") {
    const { openJsonlDataset } = await import("./jsonl-LVF7DBVI.js");
    return openJsonlDataset(path);
  }
  throw new DatasetError(
    `${path}: unknown data set format "${ext || "(no extension)"}"; expected .jsonl (one sample per line) or .h5/.hdf5 (Draper VDISC)`
  );
}

export {
  SAMPLE_CLASSES,
  classOf,
  classCode,
  DatasetError,
  guessLang,
  openDataset
};
