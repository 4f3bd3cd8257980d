import type { Command } from 'commander';
import { DEFAULT_CONCURRENCY } from '../model/analyse.ts';

/**
 * The model flags `scan` and `eval` share (conventions.md), declared once so the two commands cannot
 * drift apart. Only the cache's default and wording differ: eval's cache is what makes a stopped run
 * resumable. The API key is deliberately not a flag: it comes from VULNREVIEW_API_KEY alone.
 */
export function addModelOptions(command: Command, cache: { help: string; default?: string }): Command {
  command
    .option('--backend <name>', 'auto | endpoint | rules', 'auto')
    .option('--endpoint <url>', 'OpenAI-compatible base URL, e.g. http://127.0.0.1:8000/v1')
    .option('--model <name>', 'model or LoRA adapter name at the endpoint')
    .option('--prompt <name>', 'pd-1 | pd-2 | template file', 'pd-1')
    .option('--concurrency <n>', 'model requests in flight', String(DEFAULT_CONCURRENCY))
    .option('--timeout <seconds>', 'per model request');
  if (cache.default === undefined) command.option('--cache <dir>', cache.help);
  else command.option('--cache <dir>', cache.help, cache.default);
  return command.option('--no-cache', 'do not read or write the verdict cache');
}
