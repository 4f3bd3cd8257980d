import type { Command } from 'commander';

export function registerFunctionsCommand(program: Command): void {
  program
    .command('functions')
    .description('(being built)')
    .action(() => {
      throw new Error('vulnreview functions is not available in this build yet');
    });
}
