// How a comparison bounds the variables in it, and whether a branch always leaves.
import type { FlowState } from './state.ts';
import { calleeName, EXITS, isNullLiteral, JUMPS, unwrap } from './syntax.ts';
import type { SyntaxNode as Node } from './tree.ts';
import { evalConst } from './values.ts';

/** What comparing a variable with `other` tells: an upper bound, a lower bound (0 or -1), or a NULL test. */
export function comparisonKinds(
  op: string,
  other: Node,
  state: FlowState,
  polarity: Polarity | undefined,
  variableOnLeft: boolean,
): ('upper' | 'lower' | 'null' | 'any')[] {
  if (isNullLiteral(other)) return ['null'];
  const value = evalConst(other, state);
  if (value === 0 && (op === '==' || op === '!=')) return ['null', 'lower'];
  if (op === '!=') return ['any'];
  if (op === '==') return ['upper', 'lower'];
  if (!polarity) {
    // no branch to read the direction from: 0, negatives and *_MIN are floors, anything else a ceiling
    const floor = value === 0 || (value !== undefined && value < 0) || /_MIN\W*$/.test(unwrap(other).text);
    return floor ? ['lower'] : ['upper'];
  }
  // written as `variable OP other`, then as it holds where the value is used
  let relation = variableOnLeft ? op : MIRRORED[op]!;
  if (polarity === 'negated') relation = NEGATED[relation]!;
  return relation === '<' || relation === '<=' ? ['upper'] : ['lower'];
}

export type Polarity = 'direct' | 'negated';
const MIRRORED: Record<string, string> = { '<': '>', '<=': '>=', '>': '<', '>=': '<=' };
const NEGATED: Record<string, string> = { '<': '>=', '<=': '>', '>': '<=', '>=': '<' };

/** Whether a branch always leaves (return, goto, break, continue, throw, exit()). */
export function exits(branch: Node): boolean {
  const last = branch.type === 'compound_statement' ? branch.namedChildren.at(-1) : branch;
  if (!last) return false;
  if (JUMPS.has(last.type)) return true;
  const expr = last.type === 'expression_statement' ? last.namedChild(0) : null;
  return expr?.type === 'call_expression' && EXITS.has(calleeName(expr));
}
