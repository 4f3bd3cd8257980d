// Every file below a folder, in name order (so corpora and their figures come out the same on every run);
// an unreadable folder yields nothing. Shared by the benches that read real code from disk.
import { type Dirent, readdirSync } from 'node:fs';
import { join } from 'node:path';

export function* walkFiles(dir: string): Generator<string> {
  let entries: Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) yield* walkFiles(full);
    else if (entry.isFile()) yield full;
  }
}
