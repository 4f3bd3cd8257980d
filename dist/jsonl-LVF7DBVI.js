import { createRequire as __vrCreateRequire } from 'node:module';
const require = __vrCreateRequire(import.meta.url);
import {
  DatasetError,
  classCode,
  classOf,
  guessLang
} from "./chunk-RSBSMLWT.js";
import {
  VDISC_CLASSES
} from "./chunk-7ZPHT74S.js";
import "./chunk-ZCFLD4MD.js";

// src/eval/jsonl.ts
import { createReadStream } from "node:fs";
import { access } from "node:fs/promises";
import { createInterface } from "node:readline";
async function* lines(path) {
  const input = createReadStream(path, { encoding: "utf8" });
  const reader = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
  let line = 0;
  try {
    for await (const text of reader) {
      line++;
      if (text.trim() !== "") yield { text, line };
    }
  } finally {
    reader.close();
    input.destroy();
  }
}
function fail(where, message) {
  throw new DatasetError(`${where}: ${message}`);
}
function parseSampleRow(value, where) {
  if (typeof value !== "object" || value === null || Array.isArray(value))
    fail(where, "expected a JSON object");
  const row = value;
  if (typeof row.source !== "string") fail(where, '"source" must be a string (the function code)');
  const label = row.label === true ? 1 : row.label === false ? 0 : row.label;
  if (label !== 0 && label !== 1) fail(where, `"label" must be 0 or 1, got ${JSON.stringify(row.label)}`);
  const cwe = row.cwe ?? null;
  if (cwe !== null && typeof cwe !== "string") fail(where, '"cwe" must be a string or null');
  const vdisc = row.vdisc ?? null;
  if (vdisc !== null && !VDISC_CLASSES.includes(vdisc)) {
    fail(where, `"vdisc" must be one of ${VDISC_CLASSES.join(", ")} or null, got ${JSON.stringify(vdisc)}`);
  }
  if (label === 0 && vdisc !== null) fail(where, `"vdisc" is ${vdisc} but "label" is 0`);
  const lang = row.lang ?? guessLang(row.source);
  if (lang !== "c" && lang !== "cpp") fail(where, `"lang" must be "c" or "cpp", got ${JSON.stringify(lang)}`);
  const id = row.id ?? where;
  if (typeof id !== "string" && typeof id !== "number") fail(where, '"id" must be a string or number');
  const group = row.group ?? id;
  if (typeof group !== "string" && typeof group !== "number")
    fail(where, '"group" must be a string or number');
  return {
    id: String(id),
    source: row.source,
    label,
    cwe,
    vdisc,
    lang,
    group: String(group)
  };
}
function parseLine(path, text, line) {
  const where = `${path}:${line}`;
  let value;
  try {
    value = JSON.parse(text);
  } catch (error) {
    fail(where, `not valid JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  return parseSampleRow(value, where);
}
async function openJsonlDataset(path) {
  try {
    await access(path);
  } catch {
    throw new DatasetError(`${path}: cannot read the data set (no such file or no permission)`);
  }
  return {
    path,
    format: "jsonl",
    async classes() {
      const codes = [];
      for await (const { text, line } of lines(path))
        codes.push(classCode(classOf(parseLine(path, text, line))));
      if (codes.length === 0) throw new DatasetError(`${path}: the data set has no samples`);
      return Uint8Array.from(codes);
    },
    async *read(indices) {
      let row = 0;
      let next = 0;
      for await (const { text, line } of lines(path)) {
        if (indices === void 0 || indices[next] === row) {
          yield { ...parseLine(path, text, line), row };
          next++;
          if (indices !== void 0 && next >= indices.length) return;
        }
        row++;
      }
    }
  };
}
export {
  openJsonlDataset,
  parseSampleRow
};
