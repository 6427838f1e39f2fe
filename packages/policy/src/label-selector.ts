/** Kubernetes label selectors (matchLabels + matchExpressions), as admission namespace/object selectors use them. */

export type SelectorOperator = 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';

export interface LabelSelectorRequirement {
  readonly key: string;
  readonly operator: SelectorOperator;
  readonly values?: readonly string[];
}

export interface LabelSelector {
  readonly matchLabels?: Readonly<Record<string, string>>;
  readonly matchExpressions?: readonly LabelSelectorRequirement[];
}

export const SELECTOR_OPERATORS: readonly SelectorOperator[] = ['In', 'NotIn', 'Exists', 'DoesNotExist'];

/** True when `labels` satisfy every requirement; an absent or empty selector matches everything. */
export function matchesLabelSelector(selector: LabelSelector | undefined, labels: Readonly<Record<string, string>>): boolean {
  if (!selector) return true;
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    if (labels[key] !== value) return false;
  }
  for (const req of selector.matchExpressions ?? []) {
    const has = Object.hasOwn(labels, req.key);
    const value = labels[req.key];
    switch (req.operator) {
      case 'In':
        if (!has || !(req.values ?? []).includes(value!)) return false;
        break;
      case 'NotIn':
        if (has && (req.values ?? []).includes(value!)) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
      default:
        throw new Error(`unknown label selector operator "${String(req.operator)}" (known: ${SELECTOR_OPERATORS.join(', ')})`);
    }
  }
  return true;
}

/**
 * A kubectl equality selector (`-l a=b,c=d`) as a LabelSelector. Only `=` pairs: that is all the
 * generated runbooks use; anything else throws, so a runbook that grows a set-based selector fails loudly.
 */
export function labelSelectorFromString(text: string): LabelSelector {
  const matchLabels: Record<string, string> = {};
  for (const pair of text.split(',')) {
    const m = /^([^=!\s]+)=([^=\s]*)$/.exec(pair.trim());
    if (!m) throw new Error(`label selector "${text}": "${pair}" is not a key=value pair`);
    matchLabels[m[1]!] = m[2]!;
  }
  return { matchLabels };
}

/** Problems with a selector's shape (unknown operator, values where none belong...), as messages with a field path suffix. */
export function selectorProblems(selector: unknown): { path: string; message: string }[] {
  if (selector === undefined || selector === null) return [];
  if (typeof selector !== 'object' || Array.isArray(selector)) return [{ path: '', message: 'must be a label selector (matchLabels, matchExpressions)' }];
  const out: { path: string; message: string }[] = [];
  const s = selector as Record<string, unknown>;
  for (const k of Object.keys(s)) if (k !== 'matchLabels' && k !== 'matchExpressions') out.push({ path: `.${k}`, message: `unknown field "${k}" (a selector has matchLabels and matchExpressions)` });
  if (s.matchLabels !== undefined) {
    const ml = s.matchLabels;
    if (typeof ml !== 'object' || ml === null || Array.isArray(ml) || Object.values(ml).some((v) => typeof v !== 'string')) {
      out.push({ path: '.matchLabels', message: 'must map label keys to string values' });
    }
  }
  if (s.matchExpressions !== undefined) {
    if (!Array.isArray(s.matchExpressions)) out.push({ path: '.matchExpressions', message: 'must be a list' });
    else
      s.matchExpressions.forEach((e: unknown, i) => {
        const r = (e ?? {}) as Record<string, unknown>;
        const at = `.matchExpressions[${i}]`;
        if (typeof r.key !== 'string' || !r.key) out.push({ path: `${at}.key`, message: 'is required' });
        if (!SELECTOR_OPERATORS.includes(r.operator as SelectorOperator)) {
          out.push({ path: `${at}.operator`, message: `must be one of ${SELECTOR_OPERATORS.join(', ')} (got ${JSON.stringify(r.operator)})` });
        } else if (r.operator === 'In' || r.operator === 'NotIn') {
          if (!Array.isArray(r.values) || r.values.length === 0) out.push({ path: `${at}.values`, message: `must be a non-empty list for ${r.operator}` });
        } else if (r.values !== undefined && (!Array.isArray(r.values) || r.values.length > 0)) {
          out.push({ path: `${at}.values`, message: `must be empty for ${r.operator}` });
        }
      });
  }
  return out;
}
