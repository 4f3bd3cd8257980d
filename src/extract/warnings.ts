// What a user should hear about files that were parsed but not cleanly: shared by `functions` and `scan`.
import type { FileReport } from './index.ts';

/** Share of lines in ERROR regions above which functions may have gone unseen (macro-heavy code). */
export const ERROR_RATIO_WARNING = 0.1;

/** Regions named in one warning at most; the rest are counted. */
const SHOWN_REGIONS = 4;

/** `3–9` or `12`. */
function range(r: { start: number; end: number }): string {
  return r.start === r.end ? `line ${r.start}` : `lines ${r.start}–${r.end}`;
}

/** One line per file that was decoded lossily or parsed with many errors, without a trailing newline. */
export function fileWarnings(files: readonly FileReport[]): string[] {
  const warnings: string[] = [];
  for (const f of files) {
    if (f.lossyDecode) warnings.push(`${f.path} is not valid UTF-8; read as latin1`);
    if (f.errorRatio > ERROR_RATIO_WARNING) {
      warnings.push(
        `${f.path}: ${Math.round(f.errorRatio * 100)}% of lines did not parse; some functions may be missing`,
      );
    }
    // Every place where extraction had to recover is named, so that no miss goes unannounced.
    const recoveries = f.recoveries ?? [];
    if (recoveries.length > 0) {
      const shown = recoveries.slice(0, SHOWN_REGIONS).map((r) => `${range(r)}: ${r.what}`);
      const more = recoveries.length - shown.length;
      warnings.push(
        `${f.path}: a function may be missing or misjudged at ${shown.join('; ')}` +
          (more > 0 ? `; and ${more} more place${more === 1 ? '' : 's'}` : ''),
      );
    }
  }
  return warnings;
}
