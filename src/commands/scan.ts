import type { Command } from 'commander';

export function registerScanCommand(program: Command): void {
  program
    .command('scan')
    .description('(being built)')
    .action(() => {
      throw new Error('vulnreview scan is not available in this build yet');
    });
}
