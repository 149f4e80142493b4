import type { ClaimDto, ClaimPageDto } from '@cpor/contracts';
import { formatting } from '../web/format.js';

// Only the labels are used (codes as words); times stay UTC ISO 8601.
const f = formatting('UTC');

/**
 * One CSV cell (RFC 4180: always quoted, quotes doubled). A value a spreadsheet would run as a
 * formula (starting with =, +, -, @, or a tab or carriage return that some strip first) gets a
 * leading apostrophe, so a customer name typed by anyone cannot become a formula on opening.
 */
export function csvCell(value: string | number | boolean | null | undefined): string {
  let text = value === null || value === undefined ? '' : String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return `"${text.replaceAll('"', '""')}"`;
}

export function csvRow(values: Array<string | number | boolean | null | undefined>): string {
  return values.map(csvCell).join(',') + '\r\n';
}

export const CLAIMS_CSV_HEADER = csvRow(['Claim ID', 'Customer', 'Customer domain', 'Customer tenant ID', 'Status', 'Products', 'Activity', 'MPN ID', 'Customer contact', 'Partner contact', 'Created (UTC)', 'Last change (UTC)']);

/** A claim as the dashboard shows it, codes as words, times in UTC ISO 8601 (a spreadsheet reads them as they are). */
export function claimCsvRow(claim: ClaimDto): string {
  return csvRow([
    claim.id,
    claim.customer.name,
    claim.customer.domain,
    claim.customer.tenantId,
    f.status(claim.status),
    f.products(claim.products),
    f.activity(claim.activity),
    claim.mpnId,
    claim.customerContact.email,
    claim.partnerContact.email,
    claim.createdAt,
    claim.updatedAt,
  ]);
}

/** The rows of every page of a list, following its `next` cursor to the end (each page is read only when the previous one is written). */
export async function* claimsCsvRows(firstPage: ClaimPageDto, read: (cursor: string) => Promise<ClaimPageDto>): AsyncGenerator<string> {
  for (let page: ClaimPageDto | undefined = firstPage; page; page = page.next ? await read(page.next) : undefined) {
    for (const claim of page.items) yield claimCsvRow(claim);
  }
}
