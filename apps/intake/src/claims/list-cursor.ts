import { BadRequestException } from '@nestjs/common';
import type { ClaimListPosition, ClaimSort } from '@cpor/persistence';
import type { ListSort } from './list-claims.query.js';

export function parseSort(sort: ListSort = '-createdAt'): ClaimSort {
  return { field: sort.replace('-', '') as ClaimSort['field'], direction: sort.startsWith('-') ? 'desc' : 'asc' };
}

/**
 * The opaque `next` of a claim list page: the sort and the last claim's sort value and id,
 * base64url JSON. Checked field by field when it comes back: nothing in it reaches a query unchecked.
 */
export function encodeCursor(sort: ListSort, position: ClaimListPosition): string {
  return Buffer.from(JSON.stringify({ s: sort, v: position.value.toISOString(), id: position.id })).toString('base64url');
}

export function decodeCursor(cursor: string, sort: ListSort): ClaimListPosition {
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    decoded = undefined;
  }
  const { s, v, id } = (decoded ?? {}) as { s?: unknown; v?: unknown; id?: unknown };
  const value = typeof v === 'string' ? new Date(v) : undefined;
  if (typeof id !== 'string' || id.length > 64 || !value || Number.isNaN(value.getTime()) || typeof s !== 'string') {
    throw new BadRequestException(['cursor must be the `next` value of a previous page']);
  }
  if (s !== sort) throw new BadRequestException([`cursor was made for sort=${s.slice(0, 20)}; send the same sort with it`]);
  return { value, id };
}
