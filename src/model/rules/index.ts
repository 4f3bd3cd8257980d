// The offline backend: AST checks over tree-sitter, the default when no endpoint is configured.
import { createHash } from 'node:crypto';
import type { FunctionInput, Verdict, WeaknessHit } from '../../types.ts';
import { VERSION } from '../../version.ts';
import { type Backend, BackendError } from '../backend.ts';
import { RULES, ruleInfo } from './catalog.ts';
import { RulesEngine } from './engine.ts';
import type { Hit } from './state.ts';

export type { RuleInfo } from './catalog.ts';
export { NO_HIT_CONFIDENCE, RULES, ruleInfo } from './catalog.ts';

/**
 * What a rules verdict holds beyond the rule ids: 2 since it lists every distinct weakness (`hits`), so a
 * verdict cached before then, which names only the strongest, is not reused.
 */
const VERDICT_SHAPE = 2;

/** Changes whenever a rule is added, removed or revised, so cached verdicts of an older rule set expire. */
export function rulesHash(): string {
  const ids = RULES.map((rule) => `${rule.id}@${rule.version}`).join('\n');
  return createHash('sha256')
    .update(`verdict-shape@${VERDICT_SHAPE}\n`)
    .update(ids)
    .digest('hex')
    .slice(0, 16);
}

/**
 * Each rule that fired once, strongest first, at its first line: a rule firing on ten lines is one
 * weakness to fix, while two rules are two (an unchecked malloc and an overflowing sprintf).
 */
function distinctWeaknesses(hits: readonly Hit[]): WeaknessHit[] {
  const seen = new Set<string>();
  const weaknesses: WeaknessHit[] = [];
  for (const hit of hits) {
    if (seen.has(hit.ruleId)) continue;
    seen.add(hit.ruleId);
    const rule = ruleInfo(hit.ruleId);
    weaknesses.push({
      cwe: rule.cwe,
      line: hit.line,
      reason: hit.reason,
      confidence: rule.confidence,
      id: rule.id,
    });
  }
  return weaknesses;
}

export async function createRulesBackend(): Promise<Backend> {
  const engine = new RulesEngine();
  const model = `vulnreview-rules@${VERSION}`;
  const promptHash = rulesHash();
  return {
    name: 'rules',
    model,
    promptHash,
    usesSyntax: true,
    signalOnlyChecked: true,
    async analyse(fn: FunctionInput, signal?: AbortSignal): Promise<Verdict> {
      signal?.throwIfAborted();
      let result: Awaited<ReturnType<RulesEngine['run']>>;
      try {
        result = await engine.run(fn.source, fn.lang, fn.syntax);
      } catch (error) {
        const where = fn.file ? `${fn.file}${fn.name ? ` (${fn.name})` : ''}` : (fn.name ?? 'function');
        throw new BackendError(`rules backend could not analyse ${where}: ${String(error)}`, false, {
          cause: error,
        });
      }
      const hits = distinctWeaknesses(result.hits);
      const top = hits[0];
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
      return {
        vulnerable: true,
        confidence: top.confidence,
        cwe: top.cwe,
        rawAnswer: hits.map((hit) => hit.id).join(','),
        backend: 'rules',
        model,
        promptHash,
        reason: top.reason,
        line: top.line,
        hits,
      };
    },
    close: () => engine.close(),
  };
}
