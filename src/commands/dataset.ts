import type { Command } from 'commander';

export function registerDatasetCommand(program: Command): void {
  program
    .command('dataset')
    .description('(being built)')
    .action(() => {
      throw new Error('vulnreview dataset is not available in this build yet');
    });
}
