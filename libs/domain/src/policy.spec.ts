import { BusinessCalendar } from './business-calendar.js';
import { DEFAULT_POLICY_ID, POLICIES, dueAt, getPolicy, parsePolicy } from './policy.js';

const calendar = new BusinessCalendar({ timeZone: 'America/New_York', country: 'US' });
const monday = new Date('2026-06-01T14:00:00Z'); // Monday 10:00 New York

describe('policies', () => {
  it('R3-R10: cpor-2020-06 holds the numbers of the June 2020 source', () => {
    expect(getPolicy('cpor-2020-06')).toMatchObject({
      reviewStartSlaBusinessDays: 5,
      decisionSlaBusinessDays: 5,
      partnerResponseBusinessDays: 5,
      disputeWindowDays: 30,
      disputeAnswerBusinessDays: 5,
      consentWindowDays: 7,
      editableStates: ['Submitted', 'PartnerActionRequired'],
      editableFields: ['mpnId', 'products', 'workloads', 'customerContact', 'partnerContact'],
      maxDisputes: null,
    });
  });

  it('R3-R10: cpor-2023-10 has 14 business days, edits only in PartnerActionRequired and one dispute', () => {
    expect(getPolicy('cpor-2023-10')).toMatchObject({
      reviewStartSlaBusinessDays: 14,
      decisionSlaBusinessDays: 14,
      partnerResponseBusinessDays: 14,
      disputeWindowDays: 30,
      disputeAnswerBusinessDays: 5,
      consentWindowDays: 7,
      editableStates: ['PartnerActionRequired'],
      maxDisputes: 1,
    });
  });

  it('the default policy is cpor-2020-06 and both policies are listed', () => {
    expect(DEFAULT_POLICY_ID).toBe('cpor-2020-06');
    expect(Object.keys(POLICIES).sort()).toEqual(['cpor-2020-06', 'cpor-2023-10']);
  });

  it('getPolicy throws for an unknown id', () => {
    expect(() => getPolicy('cpor-1999-01')).toThrow(/Unknown policy 'cpor-1999-01'/);
    expect(() => getPolicy('toString')).toThrow(/Unknown policy/);
  });

  it('a new policy is data: parsePolicy accepts a valid document', () => {
    const p = parsePolicy({ ...getPolicy('cpor-2023-10'), id: 'cpor-2030-01', maxDisputes: 2 });
    expect(p.id).toBe('cpor-2030-01');
    expect(p.maxDisputes).toBe(2);
  });

  it('parsePolicy lists every problem of an invalid document', () => {
    expect(() =>
      parsePolicy({ id: 'bad', reviewStartSlaBusinessDays: 0, editableStates: ['Approved'], editableFields: ['activity'], maxDisputes: -1 }),
    ).toThrow(
      /reviewStartSlaBusinessDays.*decisionSlaBusinessDays.*partnerResponseBusinessDays.*disputeWindowDays.*disputeAnswerBusinessDays.*consentWindowDays.*editableStates.*editableFields.*maxDisputes/,
    );
  });

  describe('dueAt, both policies side by side', () => {
    it.each([
      // 5 business days from Monday 10:00 is the next Monday 10:00.
      ['cpor-2020-06', 'review-start', '2026-06-08T14:00:00.000Z'],
      ['cpor-2020-06', 'decision', '2026-06-08T14:00:00.000Z'],
      ['cpor-2020-06', 'partner-response', '2026-06-08T14:00:00.000Z'],
      ['cpor-2020-06', 'dispute-answer', '2026-06-08T14:00:00.000Z'],
      // 14 business days skip Juneteenth (Friday 19 June): Monday 22 June 10:00.
      ['cpor-2023-10', 'review-start', '2026-06-22T14:00:00.000Z'],
      ['cpor-2023-10', 'decision', '2026-06-22T14:00:00.000Z'],
      ['cpor-2023-10', 'partner-response', '2026-06-22T14:00:00.000Z'],
      ['cpor-2023-10', 'dispute-answer', '2026-06-08T14:00:00.000Z'],
    ] as const)('%s: %s deadline from Monday 1 June 10:00 is %s', (policyId, kind, expected) => {
      expect(dueAt(kind, monday, getPolicy(policyId), calendar).toISOString()).toBe(expected);
    });
  });
});
