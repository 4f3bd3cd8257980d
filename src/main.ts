// The GitHub Action's entry point. Wiring only: the work is in action.ts.
import * as core from '@actions/core';
import { run } from './action.ts';

try {
  await run();
} catch (error) {
  core.setFailed(`vulnreview: ${error instanceof Error ? error.message : String(error)}`);
}
