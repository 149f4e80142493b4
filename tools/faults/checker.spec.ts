import { describe, expect, it } from '@jest/globals';
import {
  canonicalJson,
  changedClaims,
  check,
  classifySubject,
  expectedEmails,
  hashClaims,
  newFindings,
  type CheckerInput,
  type DrivenClaim,
  type EventRecord,
  type HistoryItem,
  type StoredClaim,
} from './checker.js';
import { PATHS } from './paths.js';

const CLAIM = 'c0ffee00-0000-5000-8000-000000000001';
const PARTNER = 'partner-t-1@fabrikam.example';
const CUSTOMER = 'customer-t-1@northwind.example';
const REVIEWERS = 'reviewers-t@cpor-ops.example';
const OPS = 'ops-t@cpor-ops.example';

/** The history of a claim driven along the `decline` path, as the ledger records it. */
function declineHistory(): HistoryItem[] {
  const actions: Array<[string, string]> = [
    ['create', 'partner'],
    ['addPoe', 'partner'],
    ['submit', 'partner'],
    ['startReview', 'reviewer'],
    ['approve', 'reviewer'],
    ['requestConsent', 'system'],
    ['declineConsent', 'customer'],
  ];
  return actions.map(([action, actorKind], i) => ({ action, actorKind, version: i + 1 }));
}

function storedClaim(overrides: Partial<StoredClaim> = {}): StoredClaim {
  return {
    id: CLAIM,
    partnerId: 'fp-1',
    status: 'Rejected',
    version: 7,
    rejectionReason: 'customer-decline',
    eligibilityAssessed: false,
    history: declineHistory(),
    appliedCommandIds: ['http:a', 'http:b', 'http:c', 'http:d', 'http:e', 'approved-event-id', 'consent:decline:x'],
    ...overrides,
  };
}

function driven(overrides: Partial<DrivenClaim> = {}): DrivenClaim {
  return {
    claimId: CLAIM,
    run: 'baseline#1',
    path: 'decline',
    accepted: true,
    target: PATHS.decline.target,
    driverActions: PATHS.decline.driverActions,
    customerEmail: CUSTOMER,
    partnerEmail: PARTNER,
    ...overrides,
  };
}

/** One event per version, each with its own id and causation. */
function events(claim: StoredClaim): EventRecord[] {
  return claim.history.map((h, i) => ({ partition: 0, offset: String(i), id: `ev-${h.version}`, type: `cpor.claim.${h.action}.v1`, claimId: claim.id, version: h.version, causationId: `cmd-${h.version}` }));
}

const SUBJECTS = {
  submitted: `CPOR claim ${CLAIM} for Northwind t-1 received`,
  started: `Review started: CPOR claim ${CLAIM} for Northwind t-1`,
  approved: `Approved: CPOR claim ${CLAIM} for Northwind t-1`,
  consent: 'Partner of record association for Northwind t-1: decline before Friday, June 12, 2026 at 10:00 AM EDT if you disagree',
  rejected: `Rejected: CPOR claim ${CLAIM} for Northwind t-1`,
};

function emails() {
  return [
    { to: [PARTNER], subject: SUBJECTS.submitted, messageId: 'm1@cpor' },
    { to: [PARTNER], subject: SUBJECTS.started, messageId: 'm2@cpor' },
    { to: [PARTNER], subject: SUBJECTS.approved, messageId: 'm3@cpor' },
    { to: [CUSTOMER], subject: SUBJECTS.consent, messageId: 'm4@cpor' },
    { to: [PARTNER], subject: SUBJECTS.rejected, messageId: 'm5@cpor' },
  ];
}

function input(overrides: Partial<CheckerInput> = {}): CheckerInput {
  const claim = storedClaim();
  return {
    events: events(claim),
    assessments: [],
    deadLetters: [],
    rejections: [],
    claims: [claim],
    emails: emails(),
    driven: [driven()],
    partnerIds: ['fp-1'],
    reviewersEmail: REVIEWERS,
    opsEmail: OPS,
    ...overrides,
  };
}

describe('the fault checker', () => {
  it('finds nothing wrong with a claim that went where the driver took it, each effect once', () => {
    const result = check(input());
    expect(result.accepted).toEqual([CLAIM]);
    expect(result.lost.size).toBe(0);
    expect([...result.duplicates]).toEqual([]);
    expect(result.eventsMissing.size).toBe(0);
    expect(result.emailsMissing.size).toBe(0);
    expect(result.smtpHandoffRepeats.size).toBe(0);
    expect(result.unexpectedEmails).toBe(0);
  });

  it('counts an accepted claim that is not at its target as lost, with why', () => {
    const stuck = storedClaim({ status: 'Approved', rejectionReason: undefined, history: declineHistory().slice(0, 6), version: 6 });
    const result = check(input({ claims: [stuck], events: events(stuck), emails: emails().slice(0, 4) }));
    expect([...result.lost]).toEqual([[CLAIM, 'status Approved, expected Rejected']]);
    expect(check(input({ claims: [] })).lost.get(CLAIM)).toBe('not in the store');
    const wrongReason = storedClaim({ rejectionReason: 'insufficient-poe' });
    expect(check(input({ claims: [wrongReason] })).lost.get(CLAIM)).toBe('rejection reason insufficient-poe, expected customer-decline');
    // A claim the system never accepted is not lost.
    expect(check(input({ claims: [], driven: [driven({ accepted: false })] })).lost.size).toBe(0);
  });

  it('counts one transition published under two event ids, and a record read or republished twice as one', () => {
    const claim = storedClaim();
    const all = events(claim);
    const republished = { ...all[2], offset: '99' }; // the same ce_id again: not a duplicate
    const readTwice = { ...all[3] }; // the same position twice: not a duplicate
    const twoIds = { ...all[4], offset: '100', id: 'ev-5-again' }; // version 5 under another id: a duplicate
    const result = check(input({ events: [...all, republished, readTwice, twoIds] }));
    expect([...result.duplicates]).toEqual([[`event:${CLAIM}:5`, 1]]);
  });

  it('counts one command published twice (same causation and type, two versions)', () => {
    const claim = storedClaim({ version: 8, history: [...declineHistory(), { action: 'comment', actorKind: 'reviewer', version: 8 }] });
    const all = events(claim);
    all[7] = { ...all[7], type: all[3].type, causationId: all[3].causationId };
    const result = check(input({ claims: [claim], events: all }));
    expect(result.duplicates.get(`command:${CLAIM}:${all[3].type}:${all[3].causationId}`)).toBe(1);
  });

  it('counts a transition applied twice in the history: a driver request, a system reaction, a command id', () => {
    const history = declineHistory();
    const twiceStarted = storedClaim({ history: [...history.slice(0, 4), { action: 'startReview', actorKind: 'reviewer', version: 5 }, ...history.slice(4).map((h) => ({ ...h, version: h.version! + 1 }))], version: 8 });
    expect(check(input({ claims: [twiceStarted], events: events(twiceStarted) })).duplicates.get(`history:${CLAIM}:startReview`)).toBe(1);

    const twiceConsent = storedClaim({ history: [...history.slice(0, 6), { action: 'requestConsent', actorKind: 'system', version: 7 }, { ...history[6], version: 8 }], version: 8 });
    expect(check(input({ claims: [twiceConsent], events: events(twiceConsent) })).duplicates.get(`history:${CLAIM}:requestConsent#1`)).toBe(1);

    const appliedTwice = storedClaim({ appliedCommandIds: ['http:a', 'http:a'] });
    expect(check(input({ claims: [appliedTwice] })).duplicates.get(`history:${CLAIM}:command-http:a`)).toBe(1);

    // A second consent request after a second approval is not a duplicate.
    const reapproved = storedClaim({
      status: 'Approved',
      rejectionReason: undefined,
      history: [...history.slice(0, 6), { action: 'approve', actorKind: 'reviewer', version: 7 }, { action: 'requestConsent', actorKind: 'system', version: 8 }],
      version: 8,
    });
    const result = check(input({ claims: [reapproved], events: events(reapproved), driven: [driven({ driverActions: { ...PATHS.decline.driverActions, approve: 2 } })] }));
    expect([...result.duplicates].filter(([key]) => key.startsWith('history:'))).toEqual([]);
  });

  it('counts SLA breaches once per SLA, status epoch and dispute', () => {
    const breach = (version: number, statusEpoch: number) => ({ action: 'recordSlaBreach', actorKind: 'system', version, details: { sla: 'review-start', statusEpoch } });
    const base = declineHistory();
    const claim = storedClaim({ history: [...base, breach(8, 2), breach(9, 2), breach(10, 3)], version: 10 });
    const result = check(input({ claims: [claim], events: events(claim) }));
    expect(result.duplicates.get(`history:${CLAIM}:recordSlaBreach:review-start:2:`)).toBe(1);
    expect(result.duplicates.has(`history:${CLAIM}:recordSlaBreach:review-start:3:`)).toBe(false);
  });

  it('counts an assessment published twice under different ids for one claim', () => {
    const assessed = storedClaim({ history: [...declineHistory().slice(0, 6), { action: 'elapseConsent', version: 7 }, { action: 'recordEligibility', version: 8 }], version: 8, status: 'Approved' });
    const once = [{ partition: 0, offset: '0', id: 'a1', claimId: CLAIM }];
    expect(check(input({ claims: [assessed], assessments: [...once, { ...once[0], offset: '5' }] })).duplicates.has(`assessment:${CLAIM}`)).toBe(false);
    expect(check(input({ claims: [assessed], assessments: [...once, { partition: 0, offset: '1', id: 'a2', claimId: CLAIM }] })).duplicates.get(`assessment:${CLAIM}`)).toBe(1);
  });

  it('counts a claim of the driver\'s partners that the driver never created (a create applied twice)', () => {
    const orphan = storedClaim({ id: 'other-claim' });
    expect(check(input({ claims: [storedClaim(), orphan] })).duplicates.get('claim:other-claim')).toBe(1);
    expect(check(input({ claims: [storedClaim(), { ...orphan, partnerId: 'someone-else' }] })).duplicates.has('claim:other-claim')).toBe(false);
  });

  it('tells an email delivered twice (two Message-IDs) from one SMTP hand-off repeated (the same Message-ID), and finds missing ones', () => {
    const twice = [...emails(), { to: [PARTNER], subject: SUBJECTS.started, messageId: 'm2-other@cpor' }];
    const result = check(input({ emails: twice }));
    expect([...result.duplicates]).toEqual([[`email:${CLAIM}|review-started|${PARTNER}`, 1]]);
    expect(result.smtpHandoffRepeats.size).toBe(0);

    const repeated = [...emails(), { to: [PARTNER], subject: SUBJECTS.started, messageId: 'm2@cpor' }];
    const handoff = check(input({ emails: repeated }));
    expect([...handoff.duplicates]).toEqual([]);
    expect([...handoff.smtpHandoffRepeats]).toEqual([[`${CLAIM}|review-started|${PARTNER}`, 1]]);

    const missing = check(input({ emails: emails().filter((m) => m.messageId !== 'm4@cpor') }));
    expect([...missing.emailsMissing]).toEqual([[`${CLAIM}|consent-request|${CUSTOMER}`, 1]]);
  });

  it('names the claims whose snapshot document lags their transition log (not lost: the log is the claim)', () => {
    const lagging = storedClaim({ snapshotVersion: 6 });
    const result = check(input({ claims: [lagging] }));
    expect([...result.snapshotsBehind]).toEqual([CLAIM]);
    expect(result.lost.size).toBe(0);
  });

  it('finds lifecycle events the topic lacks', () => {
    const claim = storedClaim();
    const result = check(input({ events: events(claim).filter((e) => e.version !== 3) }));
    expect([...result.eventsMissing]).toEqual([[CLAIM, 1]]);
  });

  it('reads every subject of docs/notifications.md', () => {
    expect(classifySubject(SUBJECTS.submitted)).toEqual({ template: 'claim-submitted', claimId: CLAIM });
    expect(classifySubject(`Action required: CPOR claim ${CLAIM} for N needs more information`)?.template).toBe('info-requested');
    expect(classifySubject(`New reviewer comment on CPOR claim ${CLAIM} for N`)?.template).toBe('reviewer-comment');
    expect(classifySubject(`CPOR claim ${CLAIM} for N sent to eligibility assessment`)?.template).toBe('eligibility-assessment-started');
    expect(classifySubject(`Dispute received: CPOR claim ${CLAIM} for N`)?.template).toBe('dispute-received');
    expect(classifySubject(`Dispute accepted: CPOR claim ${CLAIM} for N is under review again`)?.template).toBe('dispute-decided');
    expect(classifySubject(`Dispute declined: CPOR claim ${CLAIM} for N stays rejected`)?.template).toBe('dispute-decided');
    expect(classifySubject(`SLA breached: CPOR claim ${CLAIM} (N)`)).toEqual({ template: 'sla-breached', claimId: CLAIM });
    expect(classifySubject(SUBJECTS.consent)).toEqual({ template: 'consent-request', claimId: undefined });
    expect(classifySubject('Hello')).toBeUndefined();
  });

  it('expects the emails a history calls for: reviewer comments only, SLA breaches to reviewers and ops', () => {
    const claim = storedClaim({
      history: [
        { action: 'comment', actorKind: 'partner' },
        { action: 'comment', actorKind: 'reviewer' },
        { action: 'recordSlaBreach', actorKind: 'system' },
      ],
    });
    expect([...expectedEmails(claim, { partner: PARTNER, customer: CUSTOMER, reviewers: REVIEWERS, ops: OPS })]).toEqual([
      [`reviewer-comment|${PARTNER}`, 1],
      [`sla-breached|${REVIEWERS}`, 1],
      [`sla-breached|${OPS}`, 1],
    ]);
  });

  it('attributes to a run only what is new since the previous check', () => {
    const first = check(input({ emails: [...emails(), { to: [PARTNER], subject: SUBJECTS.started, messageId: 'm2-other@cpor' }] }));
    const second = check(
      input({
        emails: [...emails(), { to: [PARTNER], subject: SUBJECTS.started, messageId: 'm2-other@cpor' }, { to: [PARTNER], subject: SUBJECTS.approved, messageId: 'm3-other@cpor' }],
        deadLetters: [{ dlqTopic: 'cpor.claim-events.v1.consent.dlq', partition: 0, offset: '0', sourceTopic: 't', sourcePartition: '0', sourceOffset: '7' }],
      }),
    );
    expect(newFindings(first).duplicateEffects).toBe(1);
    const delta = newFindings(second, first);
    expect(delta.duplicateEffects).toBe(1);
    expect(delta.duplicateKeys).toEqual([`email:${CLAIM}|claim-approved|${PARTNER}`]);
    expect(delta.deadLettered).toBe(1);
    // A dead letter written twice for one source record is one letter.
    const twice = check(
      input({
        deadLetters: [
          { dlqTopic: 'd', partition: 0, offset: '0', sourceTopic: 't', sourcePartition: '0', sourceOffset: '7' },
          { dlqTopic: 'd', partition: 0, offset: '1', sourceTopic: 't', sourcePartition: '0', sourceOffset: '7' },
        ],
      }),
    );
    expect(twice.deadLetters.size).toBe(1);
  });

  it('hashes claim documents independently of key order, and names the changed ones', () => {
    const date = new Date('2026-06-01T10:00:00Z');
    expect(canonicalJson({ b: 1, a: { d: [1, { z: 1, y: date }], c: null } })).toBe('{"a":{"c":null,"d":[1,{"y":"2026-06-01T10:00:00.000Z","z":1}]},"b":1}');
    const before = hashClaims([{ _id: 'x', version: 1, state: { a: 1, b: 2 } }, { _id: 'y', version: 3 }]);
    const same = hashClaims([{ _id: 'y', version: 3 }, { state: { b: 2, a: 1 }, version: 1, _id: 'x' }]);
    expect(same.hash).toBe(before.hash);
    const after = hashClaims([{ _id: 'x', version: 2, state: { a: 1, b: 2 } }, { _id: 'y', version: 3 }]);
    expect(after.hash).not.toBe(before.hash);
    expect(changedClaims(before.perClaim, after.perClaim)).toEqual(['x']);
  });
});
