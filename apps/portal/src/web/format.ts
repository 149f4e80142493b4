import { ACTIVITY_LABELS, PRODUCT_LABELS, REASON_LABELS, shortReasonLabel, STATUS_LABELS, type Activity, type ClaimStatus, type Product } from '@cpor/domain';

/** How pages show values: times in the business time zone (as the emails do), codes as the seed's words. */
export function formatting(timeZone: string) {
  const dateTime = new Intl.DateTimeFormat('en-GB', { timeZone, day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit', timeZoneName: 'short' });
  return {
    timeZone,
    dateTime: (iso: string | undefined | null) => (iso ? dateTime.format(new Date(iso)) : '–'),
    status: (status: string) => STATUS_LABELS[status as ClaimStatus] ?? status,
    reason: (code: string) => REASON_LABELS[code] ?? code,
    shortReason: (code: string) => shortReasonLabel(code),
    product: (product: string) => PRODUCT_LABELS[product as Product] ?? product,
    products: (products: readonly string[]) => products.map((product) => PRODUCT_LABELS[product as Product] ?? product).join(', '),
    activity: (activity: string) => ACTIVITY_LABELS[activity as Activity] ?? activity,
    field: (name: string) => ({ mpnId: 'MPN ID', products: 'products', workloads: 'workloads', customerContact: 'customer contact', partnerContact: 'partner contact' })[name] ?? name,
    actor: (kind: string) => ({ partner: 'Partner', reviewer: 'Reviewer', customer: 'Customer', system: 'System', upstream: 'Upstream system' })[kind] ?? kind,
    bytes: (size: number) => (size < 1024 ? `${size} B` : size < 1024 * 1024 ? `${(size / 1024).toFixed(1)} KB` : `${(size / (1024 * 1024)).toFixed(1)} MB`),
  };
}

export type Formatting = ReturnType<typeof formatting>;
