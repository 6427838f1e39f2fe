import type { ModelClass } from './model-registry.ts';

/**
 * What the schema at one place in an object allows, as far as field names go:
 * - `closed`: an object with declared `properties`; any other key is an unknown field;
 * - `map`: an object whose keys are free (`additionalProperties`, e.g. labels, resource limits);
 * - `open`: anything else (a scalar, int-or-string, quantity, or a free-form object such as RawExtension).
 */
export type FieldShape = { readonly type: 'closed'; readonly fields: ReadonlySet<string> } | { readonly type: 'map' } | { readonly type: 'open' };

/** A step through the schema: a property name, `[]` for an array item, `*` for a map value. */
export type SchemaStep = string;
export const ARRAY_ITEM: SchemaStep = '[]';
export const MAP_VALUE: SchemaStep = '*';

const MAP: FieldShape = { type: 'map' };
const OPEN: FieldShape = { type: 'open' };

/**
 * kubernetes-models ships no JSON Schema objects: each schema is only an ajv validator compiled to
 * JavaScript. That code reads every declared property (`void 0 !== data.replicas && ...`) and enumerates
 * the keys of a map (`for (const k in data)`). So the shape at `steps` is learnt by running the
 * validator once on a probe: plain objects that lead down `steps`, ending in a Proxy that records
 * what the validator reads there. The validation errors of the probe are expected and ignored.
 */
export function probeFieldShape(model: ModelClass, steps: readonly SchemaStep[]): FieldShape {
  const read = new Set<string>();
  let enumerated = false;
  const recorder = new Proxy(
    {},
    {
      get(_target, property) {
        if (typeof property === 'string') read.add(property);
        return undefined;
      },
      ownKeys() {
        enumerated = true;
        return [];
      },
    },
  );
  let probe: unknown = recorder;
  for (let i = steps.length - 1; i >= 0; i--) {
    const step = steps[i]!;
    probe = step === ARRAY_ITEM ? [probe] : { [step === MAP_VALUE ? 'key' : step]: probe };
  }
  try {
    model.prototype.validate.call(probe);
  } catch {
    // Expected: the probe is not a valid object; only what the validator read matters.
  }
  if (enumerated) return MAP;
  return read.size > 0 ? { type: 'closed', fields: read } : OPEN;
}

/** A node of the lazily learnt shape tree of one model: each place is probed once, the first time data reaches it. */
export class ShapeNode {
  readonly #model: ModelClass;
  readonly #steps: readonly SchemaStep[];
  readonly #children = new Map<SchemaStep, ShapeNode>();
  #shape: FieldShape | undefined;

  constructor(model: ModelClass, steps: readonly SchemaStep[] = []) {
    this.#model = model;
    this.#steps = steps;
  }

  get shape(): FieldShape {
    this.#shape ??= probeFieldShape(this.#model, this.#steps);
    return this.#shape;
  }

  child(step: SchemaStep): ShapeNode {
    let node = this.#children.get(step);
    if (!node) {
      node = new ShapeNode(this.#model, [...this.#steps, step]);
      this.#children.set(step, node);
    }
    return node;
  }
}

const trees = new Map<ModelClass, ShapeNode>();

/** The shape tree of `model`, created once per model and reused for every object of that kind. */
export function shapeTreeOf(model: ModelClass): ShapeNode {
  let root = trees.get(model);
  if (!root) {
    root = new ShapeNode(model);
    trees.set(model, root);
  }
  return root;
}
