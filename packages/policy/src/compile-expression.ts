/**
 * Compiles one CEL expression of a policy, once, the way the API server does when the policy is
 * created: syntax, then every name against the Kubernetes environment (check-cel-names.ts), then the
 * type checker with the declared variables, then the expected result type. Every problem carries
 * the offset into the expression so the caller can point at file:line:col.
 */
import type { Environment } from '@marcbachmann/cel-js';
import { closestMatch } from '@redis-gitops/diagnostics';
import { checkCelNames, type CelProblem, type NameScope } from './check-cel-names.ts';

export interface CompiledExpression {
  readonly text: string;
  /** CEL type of the result as the checker inferred it (`bool`, `string`, `dyn`, `list<dyn>`...). */
  readonly type: string;
  /** Evaluates against an activation (object, oldObject, request, namespaceObject, variables). Throws on CEL errors. */
  evaluate(activation: Readonly<Record<string, unknown>>): unknown;
}

export type ExpectedType = 'bool' | 'string' | 'any';

export interface CompileOptions {
  readonly env: Environment;
  readonly scope: NameScope;
  readonly expected: ExpectedType;
  /** Field names that exist on typed variables (request fields, declared variable names), for did-you-mean hints. */
  readonly knownFields?: readonly string[];
}

interface CelError extends Error {
  readonly summary?: string;
  readonly range?: { start: number; end: number };
}

/** The first line of an evaluator error, without its source excerpt. */
export function celErrorText(error: unknown): string {
  const e = error as CelError;
  return (e.summary ?? e.message ?? String(error)).split('\n')[0]!.trim();
}

export function compileExpression(text: string, options: CompileOptions): { compiled?: CompiledExpression; problems: CelProblem[] } {
  if (typeof text !== 'string' || text.trim() === '') return { problems: [{ message: 'expression is empty', offset: 0 }] };
  let parsed: ReturnType<Environment['parse']>;
  try {
    parsed = options.env.parse(text);
  } catch (error) {
    const e = error as CelError;
    return { problems: [{ message: `syntax error: ${celErrorText(e)}`, offset: e.range?.start ?? 0 }] };
  }
  const nameProblems = checkCelNames(parsed.ast, options.scope);
  if (nameProblems.length > 0) return { problems: nameProblems };

  const checked = parsed.check();
  if (!checked.valid) {
    const e = checked.error as CelError;
    const message = celErrorText(e);
    const noKey = /^No such key: (.+)$/.exec(message);
    if (noKey) {
      const field = noKey[1]!;
      const suggestion = closestMatch(field, options.knownFields ?? []);
      return { problems: [{ message: `undefined field '${field}'`, ...(suggestion ? { hint: `did you mean '${suggestion}'?` } : {}), offset: e.range?.start ?? 0 }] };
    }
    return { problems: [{ message, offset: e.range?.start ?? 0 }] };
  }
  const type = checked.type ?? 'dyn';
  if (options.expected !== 'any' && type !== options.expected && type !== 'dyn') {
    return { problems: [{ message: `must evaluate to ${options.expected}, but its type is ${type}`, offset: 0 }] };
  }
  return { compiled: { text, type, evaluate: (activation) => parsed(activation as Record<string, unknown>) }, problems: [] };
}
