import { BusinessCalendar } from './business-calendar.js';

const us = new BusinessCalendar({ timeZone: 'America/New_York', country: 'US' });
const add = (cal: BusinessCalendar, from: string, n: number) => cal.addBusinessDays(new Date(from), n).toISOString();

describe('BusinessCalendar', () => {
  describe('isBusinessDay', () => {
    it('weekdays are business days, weekends are not (judged in the local time zone)', () => {
      expect(us.isBusinessDay(new Date('2026-06-05T14:00:00Z'))).toBe(true); // Friday
      expect(us.isBusinessDay(new Date('2026-06-06T14:00:00Z'))).toBe(false); // Saturday
      expect(us.isBusinessDay(new Date('2026-06-07T14:00:00Z'))).toBe(false); // Sunday
      // Saturday 01:00 UTC is still Friday 21:00 in New York.
      expect(us.isBusinessDay(new Date('2026-06-06T01:00:00Z'))).toBe(true);
    });

    it('public holidays are not business days: Thanksgiving, Christmas, New Year, a substitute day', () => {
      expect(us.isBusinessDay(new Date('2026-11-26T15:00:00Z'))).toBe(false); // Thanksgiving
      expect(us.isBusinessDay(new Date('2026-12-25T15:00:00Z'))).toBe(false);
      expect(us.isBusinessDay(new Date('2027-01-01T15:00:00Z'))).toBe(false);
      expect(us.isBusinessDay(new Date('2026-07-03T15:00:00Z'))).toBe(false); // Independence Day observed (Friday)
      expect(us.isBusinessDay(new Date('2026-12-24T15:00:00Z'))).toBe(true); // Christmas Eve is not a public holiday
    });

    it('holidays follow the local date: 22:00 on Thanksgiving in New York is already Friday in UTC', () => {
      expect(us.isBusinessDay(new Date('2026-11-27T03:00:00Z'))).toBe(false);
    });

    it('without a country only weekends and extra holidays are days off', () => {
      const plain = new BusinessCalendar({ timeZone: 'UTC', extraHolidays: ['2026-06-03'] });
      expect(plain.isBusinessDay(new Date('2026-11-26T12:00:00Z'))).toBe(true);
      expect(plain.isBusinessDay(new Date('2026-06-03T12:00:00Z'))).toBe(false);
    });

    it('uses the configured region: Berlin has Women’s Day (8 March), Bavaria does not', () => {
      const berlin = new BusinessCalendar({ timeZone: 'Europe/Berlin', country: 'DE', region: 'BE' });
      const bavaria = new BusinessCalendar({ timeZone: 'Europe/Berlin', country: 'DE', region: 'BY' });
      const march8 = new Date('2027-03-08T10:00:00Z'); // a Monday
      expect(berlin.isBusinessDay(march8)).toBe(false);
      expect(bavaria.isBusinessDay(march8)).toBe(true);
    });
  });

  describe('addBusinessDays', () => {
    it('ends at the same local wall-clock time on the N-th business day', () => {
      // Monday 10:00 + 5 business days = next Monday 10:00.
      expect(add(us, '2026-06-01T14:00:00Z', 5)).toBe('2026-06-08T14:00:00.000Z');
    });

    it('crosses a weekend', () => {
      // Friday 10:00 + 1 = Monday 10:00.
      expect(add(us, '2026-11-13T15:00:00Z', 1)).toBe('2026-11-16T15:00:00.000Z');
    });

    it('skips Thanksgiving (2026-11-26)', () => {
      // Wednesday 10:00 + 1 = Friday 10:00; + 5 = Thursday 3 December 10:00.
      expect(add(us, '2026-11-25T15:00:00Z', 1)).toBe('2026-11-27T15:00:00.000Z');
      expect(add(us, '2026-11-25T15:00:00Z', 5)).toBe('2026-12-03T15:00:00.000Z');
    });

    it('crosses Christmas and the year end, skipping New Year 2027', () => {
      // Wed 23 Dec 16:30: 24, (25 off), 28, 29, 30, 31 = 5; (1 Jan off, weekend), 4 Jan = 6.
      expect(add(us, '2026-12-23T21:30:00Z', 5)).toBe('2026-12-31T21:30:00.000Z');
      expect(add(us, '2026-12-23T21:30:00Z', 6)).toBe('2027-01-04T21:30:00.000Z');
    });

    it('skips an extra configured holiday', () => {
      const withEve = new BusinessCalendar({ timeZone: 'America/New_York', country: 'US', extraHolidays: ['2026-12-24'] });
      // 24 and 25 off: 28, 29, 30, 31, (1 Jan off), 4 Jan = 5.
      expect(add(withEve, '2026-12-23T21:30:00Z', 5)).toBe('2027-01-04T21:30:00.000Z');
    });

    it('starting on a non-business day counts from 00:00 of the next business day', () => {
      // Saturday 15:00 -> counting starts Monday 00:00 -> + 1 = Tuesday 00:00 local.
      expect(add(us, '2026-11-14T20:00:00Z', 1)).toBe('2026-11-17T05:00:00.000Z');
      // Thanksgiving 09:00 + 0 = Friday 00:00; + 1 = Monday 00:00.
      expect(add(us, '2026-11-26T14:00:00Z', 0)).toBe('2026-11-27T05:00:00.000Z');
      expect(add(us, '2026-11-26T14:00:00Z', 1)).toBe('2026-11-30T05:00:00.000Z');
    });

    it('counts from 00:00 even past a weekend whose midnight a DST change skips (Santiago, 2026-09-06)', () => {
      // Chile's clocks go from Sunday 00:00 to 01:00. Saturday 10:00 (-04, 14:00Z) -> counting
      // starts Monday 00:00 -> + 1 = Tuesday 00:00 (-03, 03:00Z), not 01:00 as the skipped
      // Sunday midnight might carry over.
      const santiago = new BusinessCalendar({ timeZone: 'America/Santiago' });
      expect(add(santiago, '2026-09-05T14:00:00Z', 1)).toBe('2026-09-08T03:00:00.000Z');
      expect(add(santiago, '2026-09-05T14:00:00Z', 0)).toBe('2026-09-07T03:00:00.000Z');
    });

    it('adding 0 business days inside an hour that occurs twice returns the same instant (Cairo, 2026-10-29)', () => {
      // Egypt's clocks go back from Thursday 24:00 to 23:00: 23:00 +02 (21:00Z) is the second 23:00.
      const cairo = new BusinessCalendar({ timeZone: 'Africa/Cairo' });
      expect(add(cairo, '2026-10-29T21:00:00Z', 0)).toBe('2026-10-29T21:00:00.000Z');
      expect(add(cairo, '2026-10-29T20:00:00Z', 0)).toBe('2026-10-29T20:00:00.000Z');
    });

    it('keeps the wall-clock time across the New York spring DST change (2026-03-08)', () => {
      // Friday 09:00 EST (14:00Z) + 1 = Monday 09:00 EDT (13:00Z): only 71 hours later.
      expect(add(us, '2026-03-06T14:00:00Z', 1)).toBe('2026-03-09T13:00:00.000Z');
    });

    it('keeps the wall-clock time across the New York autumn DST change (2026-11-01)', () => {
      // Friday 09:00 EDT (13:00Z) + 1 = Monday 09:00 EST (14:00Z): 73 hours later.
      expect(add(us, '2026-10-30T13:00:00Z', 1)).toBe('2026-11-02T14:00:00.000Z');
    });

    it('keeps the wall-clock time across Europe/Berlin DST (2026-03-29) and skips Easter', () => {
      const berlin = new BusinessCalendar({ timeZone: 'Europe/Berlin', country: 'DE', region: 'BE' });
      // Friday 27 March 09:00 CET (08:00Z) + 1 = Monday 30 March 09:00 CEST (07:00Z).
      expect(add(berlin, '2026-03-27T08:00:00Z', 1)).toBe('2026-03-30T07:00:00.000Z');
      // Thursday 2 April 12:00 CEST + 1: Good Friday, weekend and Easter Monday are off -> Tuesday 7 April.
      expect(add(berlin, '2026-04-02T10:00:00Z', 1)).toBe('2026-04-07T10:00:00.000Z');
      // Autumn change 2026-10-25: Friday 23 Oct 09:00 CEST (07:00Z) + 1 = Monday 09:00 CET (08:00Z).
      expect(add(berlin, '2026-10-23T07:00:00Z', 1)).toBe('2026-10-26T08:00:00.000Z');
    });

    it('adding 0 business days to a business-day instant returns it unchanged', () => {
      expect(add(us, '2026-06-01T14:00:00Z', 0)).toBe('2026-06-01T14:00:00.000Z');
    });

    it('refuses negative or fractional day counts', () => {
      expect(() => us.addBusinessDays(new Date('2026-06-01T14:00:00Z'), -1)).toThrow();
      expect(() => us.addBusinessDays(new Date('2026-06-01T14:00:00Z'), 1.5)).toThrow();
    });
  });

  describe('addCalendarDays', () => {
    it('keeps the local wall-clock time across DST (30 days after 20 Oct 10:00 is 19 Nov 10:00)', () => {
      const until = us.addCalendarDays(new Date('2026-10-20T14:00:00Z'), 30);
      expect(until.toISOString()).toBe('2026-11-19T15:00:00.000Z');
    });
  });

  describe('configuration', () => {
    it('rejects an unknown time zone, a malformed extra holiday and an unknown country', () => {
      expect(() => new BusinessCalendar({ timeZone: 'Mars/Olympus' })).toThrow(/time zone/);
      expect(() => new BusinessCalendar({ timeZone: 'UTC', extraHolidays: ['24/12/2026'] })).toThrow(/YYYY-MM-DD/);
      expect(() => new BusinessCalendar({ timeZone: 'UTC', country: 'XX' })).toThrow(/holiday data/);
      expect(() => new BusinessCalendar({ timeZone: 'UTC', country: 'DE', region: 'ZZ' })).toThrow(/region/);
    });
  });
});
