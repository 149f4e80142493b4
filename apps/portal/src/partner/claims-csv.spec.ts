import type { ClaimDto, ClaimPageDto } from '@cpor/contracts';
import { claimsCsvRows, csvCell, csvRow } from './claims-csv.js';

describe('the CSV export', () => {
  it('quotes every cell and doubles quotes, so commas, quotes and line breaks stay in their cell', () => {
    expect(csvRow(['a,b', 'say "hi"', 'two\nlines', '', undefined, 7])).toBe('"a,b","say ""hi""","two\nlines","","","7"\r\n');
  });

  it.each(['=HYPERLINK("http://evil.example","x")', '+1+2', '-2+3', '@SUM(A1)', '\t=1', '\r=1'])('makes %j plain text for a spreadsheet (a leading apostrophe)', (value) => {
    expect(csvCell(value)).toBe(`"'${value.replaceAll('"', '""')}"`);
  });

  it('leaves other values as they are, a formula sign inside a value included', () => {
    expect(csvCell('Northwind = Traders')).toBe('"Northwind = Traders"');
    expect(csvCell('2026-12-03T10:00:00.000Z')).toBe('"2026-12-03T10:00:00.000Z"');
  });

  it('writes every page, following the cursor until there is none', async () => {
    const claim = (name: string) =>
      ({
        id: `id-${name}`,
        customer: { name, domain: 'northwind.example', tenantId: 't' },
        status: 'Approved',
        products: ['microsoft-365'],
        activity: 'pre-sales',
        mpnId: '1234567',
        customerContact: { email: 'c@northwind.example' },
        partnerContact: { email: 'p@contoso.example' },
        createdAt: '2026-12-01T09:00:00.000Z',
        updatedAt: '2026-12-02T09:00:00.000Z',
      }) as unknown as ClaimDto;
    const pages: Record<string, ClaimPageDto> = { c1: { items: [claim('=B')], total: 3, next: 'c2' } as ClaimPageDto, c2: { items: [claim('C')], total: 3, next: null } as ClaimPageDto };
    const asked: string[] = [];
    const rows: string[] = [];
    for await (const row of claimsCsvRows({ items: [claim('A')], total: 3, next: 'c1' } as ClaimPageDto, async (cursor) => (asked.push(cursor), pages[cursor]))) rows.push(row);
    expect(asked).toEqual(['c1', 'c2']);
    expect(rows.map((row) => row.split(',')[1])).toEqual(['"A"', `"'=B"`, '"C"']);
    expect(rows[0]).toBe('"id-A","A","northwind.example","t","Approved","Microsoft 365","Pre-sales","1234567","c@northwind.example","p@contoso.example","2026-12-01T09:00:00.000Z","2026-12-02T09:00:00.000Z"\r\n');
  });
});
