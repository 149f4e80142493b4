import Holidays from 'date-holidays';
import { DateTime, IANAZone } from 'luxon';

export interface BusinessCalendarOptions {
  /** IANA time zone in which days are counted, e.g. 'America/New_York'. */
  timeZone: string;
  /** ISO 3166-1 country whose public holidays are days off, e.g. 'US'. Without it only weekends are. */
  country?: string;
  /** ISO 3166-2 subdivision of `country` (date-holidays' "state"), e.g. 'NY' or 'BE'. */
  region?: string;
  /** More days off, as local dates 'YYYY-MM-DD' (company closures, corrections to the holiday data). */
  extraHolidays?: string[];
}

const LOCAL_DATE = /^\d{4}-\d{2}-\d{2}$/;
const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Whether date-holidays knows the public holidays of `country` (ISO 3166-1, e.g. 'US'), and of its
 * `region` when one is given (ISO 3166-2 subdivision, e.g. 'NY'). Case does not matter.
 */
export function hasHolidayData(country: string, region?: string): boolean {
  const hd = new Holidays();
  const code = country.toUpperCase();
  if (!Object.hasOwn(hd.getCountries(), code)) return false;
  return region === undefined || Object.hasOwn(hd.getStates(code) ?? {}, region.toUpperCase());
}

/**
 * Business days: Monday to Friday, minus public holidays of the configured country/region
 * (date-holidays, type 'public' only, substitute days included) and the extra holidays, all
 * judged on the local date in `timeZone`.
 *
 * Deadline semantics (`addBusinessDays`): N business days from instant T end at the same local
 * wall-clock time on the N-th business day after T's local date. If T falls on a non-business day,
 * counting starts at 00:00 local of the next business day (so that day is not counted as one of
 * the N and the deadline falls at 00:00 local). Wall-clock time is kept across DST changes, so
 * the elapsed hours may be one more or less than a whole number of days.
 *
 * Pure: no clock, no I/O; holiday lookups are cached per year.
 */
export class BusinessCalendar {
  readonly timeZone: string;
  readonly country?: string;
  readonly region?: string;
  private readonly extra: Set<string>;
  private readonly holidays?: Holidays;
  private readonly byYear = new Map<number, Set<string>>();

  constructor(options: BusinessCalendarOptions) {
    if (!IANAZone.isValidZone(options.timeZone)) throw new Error(`Unknown time zone '${options.timeZone}'`);
    this.timeZone = options.timeZone;
    this.country = options.country;
    this.region = options.region;
    for (const d of options.extraHolidays ?? []) {
      if (!LOCAL_DATE.test(d) || !DateTime.fromISO(d).isValid) throw new Error(`Extra holiday '${d}' is not a YYYY-MM-DD date`);
    }
    this.extra = new Set(options.extraHolidays ?? []);
    if (options.country) {
      // date-holidays silently answers no holidays for an unknown country or region, so check both.
      const hd = new Holidays();
      const country = options.country.toUpperCase();
      if (!hasHolidayData(country)) throw new Error(`No holiday data for country '${options.country}'`);
      if (options.region && !hasHolidayData(country, options.region)) {
        throw new Error(`No holiday data for region '${options.region}' of '${country}'`);
      }
      if (options.region) hd.init(country, options.region.toUpperCase(), { types: ['public'] });
      else hd.init(country, { types: ['public'] });
      this.holidays = hd;
    }
  }

  /** True when the local date of `date` in the calendar's time zone is a business day. */
  isBusinessDay(date: Date): boolean {
    const local = this.local(date);
    return this.isBusinessUtcDate(Date.UTC(local.year, local.month - 1, local.day));
  }

  /** The deadline N business days after `from` (see the class comment for the exact rule). */
  addBusinessDays(from: Date, n: number): Date {
    if (!Number.isInteger(n) || n < 0) throw new Error(`Business days must be a whole number >= 0, got ${n}`);
    const start = this.local(from);
    // Days are stepped as plain dates (midnight UTC standing for the local date), and the zone is
    // applied once at the end: stepping in the zone cost luxon a look-up of the zone's offset (an
    // Intl call) per day, and it was most of what a claim's transitions spent in the calendar.
    let day = Date.UTC(start.year, start.month - 1, start.day);
    let time = { hour: start.hour, minute: start.minute, second: start.second, millisecond: start.millisecond };
    if (!this.isBusinessUtcDate(day)) {
      do day += DAY_MS;
      while (!this.isBusinessUtcDate(day));
      time = { hour: 0, minute: 0, second: 0, millisecond: 0 };
    }
    for (let counted = 0; counted < n; ) {
      day += DAY_MS;
      if (this.isBusinessUtcDate(day)) counted++;
    }
    // Same wall-clock time on the target date; luxon resolves a time inside a DST gap forward.
    // Set from `start` (not built afresh, which would guess the offset from today's date), so a
    // time that occurs twice resolves the same way whenever this runs.
    const date = new Date(day);
    return start.set({ year: date.getUTCFullYear(), month: date.getUTCMonth() + 1, day: date.getUTCDate(), ...time }).toJSDate();
  }

  /** `n` calendar days after `from`, keeping the local wall-clock time (used for the dispute and consent windows). */
  addCalendarDays(from: Date, n: number): Date {
    if (!Number.isInteger(n) || n < 0) throw new Error(`Calendar days must be a whole number >= 0, got ${n}`);
    return this.local(from).plus({ days: n }).toJSDate();
  }

  /** Local date 'YYYY-MM-DD' of an instant in the calendar's time zone. */
  localDate(date: Date): string {
    return this.local(date).toISODate()!;
  }

  private local(date: Date): DateTime {
    const dt = DateTime.fromJSDate(date, { zone: this.timeZone });
    if (!dt.isValid) throw new Error('Invalid date');
    return dt;
  }

  /** Whether the local date that midnight UTC `utcMidnight` stands for is a business day (see addBusinessDays). */
  private isBusinessUtcDate(utcMidnight: number): boolean {
    const date = new Date(utcMidnight);
    const weekday = date.getUTCDay();
    if (weekday === 0 || weekday === 6) return false;
    const iso = date.toISOString().slice(0, 10);
    return !this.extra.has(iso) && !this.holidaysOf(date.getUTCFullYear()).has(iso);
  }

  private holidaysOf(year: number): Set<string> {
    let set = this.byYear.get(year);
    if (!set) {
      set = new Set(
        (this.holidays?.getHolidays(year) ?? [])
          .filter((h) => h.type === 'public')
          .map((h) => h.date.slice(0, 10)),
      );
      this.byYear.set(year, set);
    }
    return set;
  }
}
