import type { Command } from 'commander';

export function registerEvalCommand(program: Command): void {
  program
    .command('eval')
    .description('(being built)')
    .action(() => {
      throw new Error('vulnreview eval is not available in this build yet');
    });
}
