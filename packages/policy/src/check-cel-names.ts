/**
 * A walk over a parsed CEL expression that checks every identifier, function, method and macro
 * against the names the Kubernetes API server accepts (kubernetes-cel-names.ts). It runs before the
 * type checker so that a typo gets the API server's wording (`undeclared reference to 'quantiy'`)
 * with a suggestion, and so that functions the evaluator happens to ship but Kubernetes lacks
 * (`cel.bind`, `bytes.json()`...) are rejected. Regex literals are compiled with RE2, as the API
 * server does.
 */
import type { ASTNode } from '@marcbachmann/cel-js';
import { closestMatch } from '@redis-gitops/diagnostics';
import {
  acceptedFrom,
  COMPREHENSION_MACROS,
  FOREIGN_NAMESPACES,
  GLOBAL_FUNCTIONS,
  MEMBER_FUNCTIONS,
  NAMESPACED_FUNCTIONS,
  NAMESPACES,
  TARGET_CEL_MINOR,
  TYPE_IDENTIFIERS,
  type CelName,
} from './kubernetes-cel-names.ts';
import { re2Problem } from './regex.ts';

/** One problem in an expression, at a character offset into it. */
export interface CelProblem {
  readonly message: string;
  readonly hint?: string;
  /** 0-based offset into the expression text. */
  readonly offset: number;
}

export interface NameScope {
  /** Top-level variables declared for this expression (e.g. object, request, variables). */
  readonly variables: ReadonlySet<string>;
  /** Advice for a top-level name that is deliberately not declared (e.g. params without paramKind). */
  readonly undeclaredHints?: ReadonlyMap<string, string>;
}

const REGEX_METHODS = new Set(['matches', 'find', 'findAll']);

function availability(kind: string, name: string, info: CelName, offset: number): CelProblem | undefined {
  if (info.since > TARGET_CEL_MINOR) {
    return {
      message: `${kind} '${name}' (${info.library}) is only accepted by API servers from Kubernetes ${acceptedFrom(info.since)}`,
      hint: `this repository's policies must work on Kubernetes ${acceptedFrom(TARGET_CEL_MINOR)}`,
      offset,
    };
  }
  if (info.offline === false) {
    return { message: `${kind} '${name}' (${info.library}) cannot be evaluated offline`, ...(info.note ? { hint: info.note } : {}), offset };
  }
  return undefined;
}

function undeclared(name: string, candidates: Iterable<string>, offset: number, hint?: string): CelProblem {
  const suggestion = closestMatch(name, candidates);
  return { message: `undeclared reference to '${name}'`, ...(hint ? { hint } : suggestion ? { hint: `did you mean '${suggestion}'?` } : {}), offset };
}

function regexLiteral(node: ASTNode | undefined, method: string, problems: CelProblem[]): void {
  if (node?.op !== 'value' || typeof node.args !== 'string') return;
  const pattern = node.args;
  const problem = re2Problem(pattern);
  if (problem) {
    problems.push({ message: `invalid regular expression '${pattern}': ${problem}`, hint: 'Kubernetes compiles CEL regexes with RE2 (no lookaround, no backreferences)', offset: node.range.start });
    return;
  }
  if (method === 'matches') {
    try {
      new RegExp(pattern);
      if (/^\(\?[a-zA-Z]+\)/.test(pattern)) throw new Error('inline flags');
    } catch {
      problems.push({
        message: `regular expression '${pattern}' is valid RE2, but matches() runs on JavaScript regular expressions offline and cannot evaluate it`,
        hint: "use find(...) != '' (translated for RE2 flags) or lowerAscii() instead of (?i)",
        offset: node.range.start,
      });
    }
  }
}

/** Every name problem in the expression, in source order. */
export function checkCelNames(ast: ASTNode, scope: NameScope): CelProblem[] {
  const problems: CelProblem[] = [];
  const topLevel = [...scope.variables];

  const walk = (node: ASTNode, bound: ReadonlySet<string>): void => {
    switch (node.op) {
      case 'value':
        return;
      case 'id': {
        const name = node.args;
        if (bound.has(name) || scope.variables.has(name) || TYPE_IDENTIFIERS.has(name)) return;
        problems.push(undeclared(name, [...topLevel, ...bound], node.range.start, scope.undeclaredHints?.get(name)));
        return;
      }
      case '.':
      case '.?':
        walk(node.args[0], bound);
        return;
      case 'call': {
        const [name, args] = node.args;
        const info = GLOBAL_FUNCTIONS.get(name);
        if (!info) problems.push(undeclared(name, GLOBAL_FUNCTIONS.keys(), node.range.start));
        else {
          const p = availability('function', name, info, node.range.start);
          if (p) problems.push(p);
        }
        if (name === 'matches') regexLiteral(args[1], name, problems);
        for (const a of args) walk(a, bound);
        return;
      }
      case 'rcall': {
        const [name, receiver, args] = node.args;
        // namespace.function(...): the receiver is a bare identifier naming a namespace.
        if (receiver.op === 'id' && !bound.has(receiver.args) && !scope.variables.has(receiver.args)) {
          const ns = receiver.args;
          const full = `${ns}.${name}`;
          if (NAMESPACES.has(ns)) {
            const info = NAMESPACED_FUNCTIONS.get(full);
            if (!info) problems.push(undeclared(full, NAMESPACED_FUNCTIONS.keys(), node.range.start));
            else {
              const p = availability('function', full, info, node.range.start);
              if (p) problems.push(p);
            }
            for (const a of args) walk(a, bound);
            return;
          }
          if (FOREIGN_NAMESPACES.has(ns)) {
            problems.push({ message: `undeclared reference to '${full}'`, hint: FOREIGN_NAMESPACES.get(ns)!, offset: node.range.start });
            return;
          }
        }
        walk(receiver, bound);
        const macroArity = COMPREHENSION_MACROS.get(name);
        if (macroArity) {
          if (!macroArity.includes(args.length)) {
            const two = args.length === 3 && name !== 'map';
            problems.push({
              message: two
                ? `two-variable ${name}(k, v, ...) is only accepted by API servers from Kubernetes ${acceptedFrom(32)}`
                : `${name}() takes ${macroArity.join(' or ')} arguments, got ${args.length}`,
              ...(two ? { hint: `this repository's policies must work on Kubernetes ${acceptedFrom(TARGET_CEL_MINOR)}` } : {}),
              offset: node.range.start,
            });
          }
          const [iter, ...rest] = args;
          if (iter?.op !== 'id') {
            problems.push({ message: `the first argument of ${name}() must be a variable name`, offset: (iter ?? node).range.start });
            for (const a of args) walk(a, bound);
            return;
          }
          const inner = new Set([...bound, iter.args]);
          for (const a of rest) walk(a, inner);
          return;
        }
        const info = MEMBER_FUNCTIONS.get(name);
        if (!info) problems.push(undeclared(name, MEMBER_FUNCTIONS.keys(), node.range.start));
        else {
          const p = availability('method', name, info, node.range.start);
          if (p) problems.push(p);
        }
        if (REGEX_METHODS.has(name)) regexLiteral(args[0], name, problems);
        for (const a of args) walk(a, bound);
        return;
      }
      case 'list':
        for (const a of node.args) walk(a, bound);
        return;
      case 'map':
        for (const [k, v] of node.args) {
          walk(k, bound);
          walk(v, bound);
        }
        return;
      case '!_':
      case '-_':
        walk(node.args, bound);
        return;
      default:
        for (const a of node.args as ASTNode[]) walk(a, bound);
    }
  };
  walk(ast, new Set());
  return problems;
}
