import { readFileSync, writeFileSync } from 'node:fs';
import { TRANSITIONS } from './transitions.js';
import { renderLifecycleDocBlocks, renderStateDiagram } from './lifecycle-diagram.js';

// docs/lifecycle.md holds generated blocks; this spec fails when they differ from the code.
// To regenerate them: `UPDATE_DOCS=1 npm run test:unit`.
const DOC = new URL('../../../docs/lifecycle.md', import.meta.url);
const block = (name: string) => new RegExp(`(<!-- generated:${name} -->\\n)([\\s\\S]*?)(<!-- /generated:${name} -->)`);

describe('lifecycle diagram and docs', () => {
  if (process.env.UPDATE_DOCS === '1') {
    it('writes the generated blocks into docs/lifecycle.md', () => {
      let text = readFileSync(DOC, 'utf8');
      for (const [name, content] of Object.entries(renderLifecycleDocBlocks())) {
        if (!block(name).test(text)) throw new Error(`docs/lifecycle.md has no block ${name}`);
        text = text.replace(block(name), (_m, open: string, _old: string, close: string) => open + content + close);
      }
      writeFileSync(DOC, text);
    });
  }

  it('renders a Mermaid stateDiagram-v2 with every status-changing transition of TRANSITIONS', () => {
    const diagram = renderStateDiagram();
    expect(diagram.startsWith('stateDiagram-v2\n')).toBe(true);
    expect(diagram).toContain('    [*] --> Editing: create\n');
    expect(diagram).toContain('    UnderReview --> PartnerActionRequired: requestInfo\n');
    expect(diagram).toContain('    Rejected --> UnderReview: decideDispute (overturned)\n');
    const edges = TRANSITIONS.filter((r) => r.to !== 'same' && r.from !== 'policy-editable').reduce(
      (n, r) => n + Math.max(1, (r.from as readonly string[]).length),
      0,
    );
    expect(diagram.trim().split('\n')).toHaveLength(edges + 1);
  });

  it.each(Object.entries(renderLifecycleDocBlocks()))('docs/lifecycle.md contains exactly the generated %s block', (name, content) => {
    const match = block(name).exec(readFileSync(DOC, 'utf8'));
    expect(match).not.toBeNull();
    expect(match![2]).toBe(content);
  });
});
