// What a user should hear about files that were parsed but not cleanly: shared by `functions` and `scan`.
import type { FileReport } from './index.ts';

/** Share of lines in ERROR regions above which functions may have gone unseen (macro-heavy code). */
export const ERROR_RATIO_WARNING = 0.1;

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
  }
  return warnings;
}
