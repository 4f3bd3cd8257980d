#!/usr/bin/env node
// The `vulnreview` command. Wiring only: each command's work lives in src/commands/.
import { Command, CommanderError } from 'commander';
import { registerDatasetCommand } from './commands/dataset.ts';
import { registerEvalCommand } from './commands/eval.ts';
import { registerFunctionsCommand } from './commands/functions.ts';
import { registerScanCommand } from './commands/scan.ts';
import { VERSION } from './version.ts';

const program = new Command()
  .name('vulnreview')
  .description('Find security vulnerabilities in the C and C++ functions a change touches.')
  .version(VERSION)
  .showHelpAfterError()
  // Throw instead of exiting so that bad usage maps to exit code 2 (conventions.md), not commander's 1.
  // Set before the commands are added: they inherit it.
  .exitOverride();

registerFunctionsCommand(program);
registerScanCommand(program);
registerEvalCommand(program);
registerDatasetCommand(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    // commander has already printed the message; --help and --version end with code 0.
    process.exitCode = error.exitCode === 0 ? 0 : 2;
  } else {
    // Usage and configuration errors exit 2 (see docs: exit codes); a command sets its own code otherwise.
    console.error(`vulnreview: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 2;
  }
}
