import { jsonTextTooDeep, MAX_JSON_DEPTH, valueTooDeep } from './json-depth.js';

const nested = (levels: number) => '['.repeat(levels) + ']'.repeat(levels);

describe('JSON nesting limit', () => {
  it(`accepts ${MAX_JSON_DEPTH} levels and refuses one more, as text and as a value`, () => {
    expect(jsonTextTooDeep(nested(MAX_JSON_DEPTH))).toBe(false);
    expect(jsonTextTooDeep(nested(MAX_JSON_DEPTH + 1))).toBe(true);
    expect(valueTooDeep(JSON.parse(nested(MAX_JSON_DEPTH)))).toBe(false);
    expect(valueTooDeep(JSON.parse(nested(MAX_JSON_DEPTH + 1)))).toBe(true);
  });

  it('5,000 levels are refused without a stack overflow', () => {
    const text = '{"a":'.repeat(5_000) + '1' + '}'.repeat(5_000);
    expect(jsonTextTooDeep(text)).toBe(true);
    expect(valueTooDeep(JSON.parse(text))).toBe(true);
  });

  it('brackets inside strings do not count', () => {
    expect(jsonTextTooDeep(JSON.stringify({ text: '['.repeat(100), quote: 'a\\"[[[' }))).toBe(false);
  });

  it('flat and shallow values pass', () => {
    expect(valueTooDeep({ claim: { customer: { name: 'Contoso' } }, poe: [{ documentId: 'd' }] })).toBe(false);
    expect(valueTooDeep('text')).toBe(false);
    expect(valueTooDeep(null)).toBe(false);
  });
});
