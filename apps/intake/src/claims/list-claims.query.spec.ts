import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import { ListClaimsQuery } from './list-claims.query.js';

async function problems(query: Record<string, unknown>): Promise<string[]> {
  const errors = await validate(plainToInstance(ListClaimsQuery, query));
  return errors.flatMap((error) => Object.values(error.constraints ?? {}));
}

describe('claim list date filters', () => {
  it('take calendar dates and date-times', async () => {
    expect(await problems({ createdFrom: '2026-12-01', createdTo: '2026-12-05T10:00:00Z', updatedAfter: '2026-12-01T10:00:00.123+01:00' })).toEqual([]);
  });

  it('refuse, each by name, what is no calendar date: week dates pass ISO 8601 but would reach the store as Invalid Date, and 30 February would become 1 March', async () => {
    expect(await problems({ createdFrom: '2024-W01-1', createdTo: '2024-02-30', updatedBefore: 'yesterday' })).toEqual([
      'createdFrom must be an ISO 8601 date or date-time (YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ)',
      'createdTo must be an ISO 8601 date or date-time (YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ)',
      'updatedBefore must be an ISO 8601 date or date-time (YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ)',
    ]);
  });
});
