// The offline backend: AST checks over tree-sitter, the default when no endpoint is configured.
import { createHash } from 'node:crypto';
import type { FunctionInput, Verdict } from '../../types.ts';
import { VERSION } from '../../version.ts';
import { type Backend, BackendError } from '../backend.ts';
import { RULES, ruleInfo } from './catalog.ts';
import { RulesEngine } from './engine.ts';

export type { RuleInfo } from './catalog.ts';
export { NO_HIT_CONFIDENCE, RULES, ruleInfo } from './catalog.ts';

/** Changes whenever a rule is added, removed or revised, so cached verdicts of an older rule set expire. */
export function rulesHash(): string {
  const ids = RULES.map((rule) => `${rule.id}@${rule.version}`).join('\n');
  return createHash('sha256').update(ids).digest('hex').slice(0, 16);
}

export async function createRulesBackend(): Promise<Backend> {
  const engine = new RulesEngine();
  const model = `vulnreview-rules@${VERSION}`;
  const promptHash = rulesHash();
  return {
    name: 'rules',
    model,
    promptHash,
    async analyse(fn: FunctionInput, signal?: AbortSignal): Promise<Verdict> {
      signal?.throwIfAborted();
      let result: Awaited<ReturnType<RulesEngine['run']>>;
      try {
        result = await engine.run(fn.source, fn.lang);
      } catch (error) {
        const where = fn.file ? `${fn.file}${fn.name ? ` (${fn.name})` : ''}` : (fn.name ?? 'function');
        throw new BackendError(`rules backend could not analyse ${where}: ${String(error)}`, false, {
          cause: error,
        });
      }
      const top = result.hits[0];
      if (!top) {
        return {
          vulnerable: false,
          confidence: result.confidence,
          rawAnswer: 'none',
          backend: 'rules',
          model,
          promptHash,
        };
      }
      const ids = [...new Set(result.hits.map((hit) => hit.ruleId))];
      return {
        vulnerable: true,
        confidence: result.confidence,
        cwe: ruleInfo(top.ruleId).cwe,
        rawAnswer: ids.join(','),
        backend: 'rules',
        model,
        promptHash,
        reason: top.reason,
        line: top.line,
      };
    },
    close: () => engine.close(),
  };
}
