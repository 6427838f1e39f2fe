import { closestMatch as didYouMean } from '@redis-gitops/diagnostics';
import { ARRAY_ITEM, MAP_VALUE, type ShapeNode } from './field-shapes.ts';
import type { PathSegment } from './field-path.ts';

/** A key the schema does not declare, where it sits, and the declared key it probably meant. */
export interface UnknownField {
  readonly path: readonly PathSegment[];
  readonly suggestion: string | undefined;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * Walks `value` and its shape tree side by side and returns every key that a closed object
 * does not declare. Maps are descended into (their values may be closed objects); open places stop the walk.
 */
export function findUnknownFields(root: ShapeNode, value: unknown): UnknownField[] {
  const found: UnknownField[] = [];
  const path: PathSegment[] = [];

  const walk = (node: ShapeNode, v: unknown): void => {
    if (Array.isArray(v)) {
      const item = node.child(ARRAY_ITEM);
      v.forEach((element, i) => {
        path.push(i);
        walk(item, element);
        path.pop();
      });
      return;
    }
    if (!isPlainObject(v)) return;
    const shape = node.shape;
    if (shape.type === 'open') return;
    for (const [key, child] of Object.entries(v)) {
      path.push(key);
      if (shape.type === 'map') walk(node.child(MAP_VALUE), child);
      else if (shape.fields.has(key)) walk(node.child(key), child);
      else found.push({ path: [...path], suggestion: didYouMean(key, shape.fields) });
      path.pop();
    }
  };

  walk(root, value);
  return found;
}
