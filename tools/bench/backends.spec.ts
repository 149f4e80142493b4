import { backendOf, fasterUnderConcurrency } from './backends.js';

describe('the comparison of FerretDB backends', () => {
  it('reads the run\'s backend from what infra.mjs status says, and nothing else', () => {
    expect(backendOf('FerretDB on PostgreSQL')).toBe('postgresql');
    expect(backendOf('FerretDB on SQLite')).toBe('sqlite');
    expect(backendOf('FerretDB on postgresql (not checked)')).toBeNull();
    expect(backendOf('unknown')).toBeNull();
  });

  it('names the backend with more claims a second under concurrency, whatever it does alone', () => {
    const sqlite = { one_at_a_time_claims_per_s: 30, parallel_claims_per_s: 20, parallel_over_one: 0.67 };
    const postgresql = { one_at_a_time_claims_per_s: 20, parallel_claims_per_s: 44, parallel_over_one: 2.2 };
    expect(fasterUnderConcurrency({ sqlite, postgresql })).toBe('postgresql');
    expect(fasterUnderConcurrency({ postgresql: { ...postgresql, parallel_claims_per_s: 10 }, sqlite })).toBe('sqlite');
    expect(() => fasterUnderConcurrency({})).toThrow('no backend measured');
  });
});
