import { parseYamlDocuments } from '../src/yaml-documents.ts';

const TEXT = `a: 1
---
spec:
  plain: object.x > 1
  quoted: "object.y > 1"
  block: |-
    object.spec.a &&
      object.spec.b
  folded: >-
    object.spec.c
    && object.spec.d
`;

describe('YAML documents with positions', () => {
  const { documents, diagnostics } = parseYamlDocuments(TEXT, 'f.yaml');
  const doc = documents[1]!;

  it('parses every document', () => {
    expect(diagnostics).toEqual([]);
    expect(documents.map((d) => d.index)).toEqual([0, 1]);
    expect(doc.positionOf(['spec', 'quoted'])).toEqual({ line: 5, col: 11 });
  });

  it('maps an offset inside a string to file line and column', () => {
    expect(doc.positionInString(['spec', 'plain'], 7)).toEqual({ line: 4, col: 17 });
    expect(doc.positionInString(['spec', 'quoted'], 7)).toEqual({ line: 5, col: 19 });
    // block literal: second line of the value, after its own indentation
    const value = (doc.value as { spec: { block: string } }).spec.block;
    expect(doc.positionInString(['spec', 'block'], value.indexOf('object.spec.b'))).toEqual({ line: 8, col: 7 });
    // folded scalars: the start of the value
    expect(doc.positionInString(['spec', 'folded'], 20)).toEqual({ line: 9, col: 11 });
  });

  it('reports syntax errors with positions and no documents', () => {
    const bad = parseYamlDocuments('a: [1, 2\nb: 3\n', 'bad.yaml');
    expect(bad.documents).toEqual([]);
    expect(bad.diagnostics[0]).toMatchObject({ file: 'bad.yaml', line: expect.any(Number), message: expect.stringMatching(/^invalid YAML/) });
  });
});
