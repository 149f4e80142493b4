import { isDisputableReason, mayDispute } from './disputes.js';
import { getPolicy } from './policy.js';
import { partner, plusMs, reviewer, Scenario, T0 } from './testing/fixtures.js';

const DAY = 86_400_000;

describe('R8, R9: whether a claim may be disputed (again)', () => {
  const policy = getPolicy('cpor-2020-06');

  it('R8: partner-requested and customer-declined rejections cannot be disputed', () => {
    expect(isDisputableReason('insufficient-poe')).toBe(true);
    expect(isDisputableReason('partner-request')).toBe(false);
    expect(isDisputableReason('customer-decline')).toBe(false);
  });

  it('R9: a rejection may be disputed inside its window, not while a dispute is open, not after the window', () => {
    const s = new Scenario().rejected();
    expect(mayDispute(s.claim, policy, new Date(T0))).toBe(true);
    expect(mayDispute(s.claim, policy, new Date(s.claim.rejection!.disputeUntil))).toBe(false);
    s.run({ type: 'dispute', disputeId: 'd-1', justification: 'The signed SOW is on page 4' }, partner, T0);
    expect(mayDispute(s.claim, policy, new Date(T0))).toBe(false);
  });

  it.each([
    ['cpor-2020-06', true],
    ['cpor-2023-10', false],
  ])("R9: under %s, another dispute after a sustained one: %s", (policyId, again) => {
    const s = new Scenario(policyId).rejected();
    s.run({ type: 'dispute', disputeId: 'd-1', justification: 'The signed SOW is on page 4' }, partner, T0);
    s.run({ type: 'decideDispute', decision: 'sustained', comment: 'Still no signature' }, reviewer, plusMs(T0, DAY));
    expect(mayDispute(s.claim, getPolicy(policyId), new Date(plusMs(T0, 2 * DAY)))).toBe(again);
  });
});
