import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { claimIdForRequest, REQUEST_TYPES } from '@cpor/contracts';
import { forEachConcurrently } from '@cpor/kernel';
import type { DrivenClaim } from './checker.js';
import { GaveUpError, HttpClient, type HttpAnswer } from './http-client.js';
import { consentLinkIn, type Mailpit } from './mailpit.js';
import { PATHS, pathOf } from './paths.js';

/**
 * Drives claims through their lifecycle over the public interfaces only: the partner API
 * (intake), the reviewer API (review), upstream requests on `cpor.claim-requests.v1`, the
 * customer's decline link from the consent email (read from the mail server's API) and the
 * operators' controlled clock (`POST /ops/clock`). Every POST is keyed and retried through
 * outages (http-client.ts); the driver waits for what the system does by itself (consent
 * requested, an SLA breach) by reading the claim, as a partner would.
 */

const DAY_MS = 86_400_000;
/** How far past the latest deadline of a batch the clock goes; and at least this far ahead (past any review-start SLA). */
const CLOCK_MARGIN_MS = 60 * 60_000;
const MIN_CLOCK_MOVE_MS = 14 * DAY_MS;
/**
 * How long the driver waits for the system to do something by itself (consent requested, a claim
 * created from an upstream request, the consent email): longer than any fault plus its recovery.
 * A claim that waits longer is given up (and then counted lost by the checker, if it is).
 */
const SYSTEM_WAIT_MS = 6 * 60_000;

/** A small but real PDF (intake sniffs the bytes). */
const PDF = Buffer.from(
  '%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n' + 'trailer\n<< /Root 1 0 R >>\n%%EOF\n',
  'latin1',
);

export interface DriverSystem {
  urls: { intake: string; review: string; consent: string };
  /** Tokens minted with the services' JWT_SECRET. */
  partnerToken(partnerId: string): Promise<string>;
  reviewerToken(index: number): Promise<string>;
  opsToken(): Promise<string>;
  mail: Mailpit;
  /** Publishes one upstream request (CloudEvents binary mode); resolves once the broker has it (acks all). */
  publishRequest(record: { key: string; value: string; headers: Record<string, string> }): Promise<void>;
  /** Tag in every address and name of the system's claims. */
  tag: string;
  partnerIds: string[];
  reviewers: number;
}

export type ClaimPhase = 'new' | 'pre' | 'waiting-clock' | 'post' | 'done' | 'failed';

export interface ClaimRun extends DrivenClaim {
  index: number;
  partnerId: string;
  customerName: string;
  phase: ClaimPhase;
  error?: string;
  /** Deadlines the clock must pass for this claim (consent window, partner response). */
  deadlines: number[];
}

export interface BatchOptions {
  run: string;
  /** Claims of the batch, numbered from `firstIndex` (numbers are unique in a system). */
  count: number;
  firstIndex: number;
  concurrency: number;
  /** Claims start evenly over this long (ms), so traffic flows for the whole fault; 0: all at once (as the concurrency allows). */
  spreadMs: number;
  /** Send every upstream request twice (same ce_id): the duplicates scenario. */
  duplicateUpstream?: boolean;
  log: (line: string) => void;
}

export interface BatchProgress {
  claims: ClaimRun[];
  /** Claims the system has accepted so far. */
  accepted(): number;
  /** Resolves once the last claim of the batch has started. */
  allStarted: Promise<void>;
  /** Resolves once every claim finished the steps before the clock move. */
  preDone: Promise<void>;
  clockMoved: Promise<void>;
  /** Resolves when the driver has nothing left to do. */
  done: Promise<void>;
}

export class Driver {
  readonly http: HttpClient;

  constructor(
    private readonly system: DriverSystem,
    http?: HttpClient,
  ) {
    this.http = http ?? new HttpClient();
  }

  /** Starts a batch; the returned promises tell how far it is. */
  start(options: BatchOptions): BatchProgress {
    const claims = Array.from({ length: options.count }, (_, i) => this.plan(options.run, options.firstIndex + i));
    let clockMoved!: () => void;
    const clockMovedPromise = new Promise<void>((resolve) => (clockMoved = resolve));
    const interval = claims.length > 1 ? options.spreadMs / (claims.length - 1) : 0;
    const t0 = Date.now();
    let started = 0;
    let allStarted!: () => void;
    const allStartedPromise = new Promise<void>((resolve) => (allStarted = resolve));
    const preDone = forEachConcurrently([...claims.entries()], options.concurrency, async ([i, claim]) => {
      const wait = t0 + i * interval - Date.now();
      if (wait > 0) await sleep(wait);
      if (++started === claims.length) allStarted();
      await this.guard(claim, options, () => this.pre(claim, options));
    });
    const done = (async () => {
      await preDone;
      await this.moveClockPast(claims, options);
      clockMoved();
      const after = claims.filter((claim) => claim.phase === 'waiting-clock' && claim.path === 'sla-breach');
      for (const claim of claims) if (claim.phase === 'waiting-clock' && claim.path !== 'sla-breach') claim.phase = 'done';
      await forEachConcurrently(after, options.concurrency, (claim) => this.guard(claim, options, () => this.post(claim)));
    })();
    return { claims, accepted: () => claims.filter((c) => c.accepted).length, allStarted: allStartedPromise, preDone, clockMoved: clockMovedPromise, done };
  }

  private plan(run: string, index: number): ClaimRun {
    const path = pathOf(index);
    const tag = `${this.system.tag}-${index}`;
    return {
      claimId: '',
      run,
      index,
      path,
      accepted: false,
      target: PATHS[path].target,
      driverActions: PATHS[path].driverActions,
      partnerId: this.system.partnerIds[index % this.system.partnerIds.length],
      customerEmail: `customer-${tag}@northwind.example`,
      partnerEmail: `partner-${tag}@fabrikam.example`,
      customerName: `Northwind ${tag}`,
      phase: 'new',
      deadlines: [],
    };
  }

  private async guard(claim: ClaimRun, options: BatchOptions, steps: () => Promise<void>): Promise<void> {
    try {
      await steps();
    } catch (error) {
      claim.phase = 'failed';
      claim.error = error instanceof Error ? error.message : String(error);
      options.log(`claim ${claim.index} (${claim.path}${claim.claimId ? ` ${claim.claimId}` : ''}): ${claim.error}`);
    }
  }

  // ----------------------------------------------------------------------------------------------
  // Steps

  private fields(claim: ClaimRun) {
    return {
      mpnId: '7654321',
      customer: { tenantId: randomUUID(), name: claim.customerName, domain: 'northwind.example' },
      customerContact: { name: 'Casey Customer', email: claim.customerEmail },
      partnerContact: { name: 'Pat Partner', email: claim.partnerEmail },
      products: ['microsoft-365'],
      workloads: ['Exchange Online'],
      activity: 'deployment',
      subscriptionOrTenantId: randomUUID(),
    };
  }

  private async partner(claim: ClaimRun, method: string, path: string, body?: unknown, extra: { form?: () => FormData; headers?: Record<string, string> } = {}): Promise<HttpAnswer> {
    const token = await this.system.partnerToken(claim.partnerId);
    return this.http.request(method, `${this.system.urls.intake}${path}`, { token, body, ...extra });
  }

  private async reviewer(claim: ClaimRun, action: string, body?: unknown): Promise<any> {
    const token = await this.system.reviewerToken(claim.index % this.system.reviewers);
    const answer = await this.http.request('POST', `${this.system.urls.review}/v1/reviews/${claim.claimId}/${action}`, { token, body });
    return expectOk(answer, `review ${action}`);
  }

  /** A partner's POST on the claim (`/v1/claims/<id>/<action>`) that must succeed; `what` names it in the error. */
  private async partnerPost(claim: ClaimRun, action: string, what: string, body?: unknown): Promise<any> {
    return expectOk(await this.partner(claim, 'POST', `/v1/claims/${claim.claimId}/${action}`, body), what);
  }

  /** The reviewer approves; then the driver waits until the system has requested the customer's consent. */
  private async approve(claim: ClaimRun, body: unknown = {}): Promise<void> {
    await this.reviewer(claim, 'approve', body);
    await this.waitConsentRequested(claim);
  }

  private uploadPoe(claim: ClaimRun, name: string): Promise<any> {
    const form = () => {
      const data = new FormData();
      data.append('files', new Blob([new Uint8Array(PDF)], { type: 'application/pdf' }), name);
      return data;
    };
    return this.partner(claim, 'POST', `/v1/claims/${claim.claimId}/poe`, undefined, { form }).then((answer) => expectOk(answer, 'upload PoE'));
  }

  private async pre(claim: ClaimRun, options: BatchOptions): Promise<void> {
    claim.phase = 'pre';
    if (claim.path === 'upstream') await this.upstreamCreate(claim, options);
    else {
      const created = await this.partner(claim, 'POST', '/v1/claims', this.fields(claim));
      if (created.status !== 201 && created.status !== 200) throw new Error(`create claim: ${created.status} ${created.text.slice(0, 300)}`);
      claim.claimId = created.body.id;
      claim.accepted = true;
      await this.uploadPoe(claim, 'signed-sow.pdf');
      await this.partnerPost(claim, 'submit', 'submit');
    }
    switch (claim.path) {
      case 'approve':
        await this.reviewer(claim, 'start');
        await this.reviewer(claim, 'comments', { text: 'Checking the statement of work.' });
        await this.approve(claim, { comment: 'The PoE is signed by the customer.' });
        break;
      case 'upstream':
        await this.reviewer(claim, 'start');
        await this.approve(claim);
        break;
      case 'info-reply': {
        await this.reviewer(claim, 'start');
        await this.reviewer(claim, 'request-info', { reasons: ['missing-products'], comment: 'Business Applications are not in the PoE.' });
        await this.edit(claim, { products: ['microsoft-365', 'business-applications'] });
        await this.partnerPost(claim, 'comments', 'partner comment', { text: 'Added the Dynamics 365 statement of work.' });
        await this.uploadPoe(claim, 'dynamics-sow.pdf');
        await this.partnerPost(claim, 'submit', 'resubmit');
        await this.reviewer(claim, 'start');
        await this.approve(claim);
        break;
      }
      case 'decline':
        await this.reviewer(claim, 'start');
        await this.approve(claim);
        await this.decline(claim);
        break;
      case 'dispute-sustained':
      case 'dispute-overturned': {
        const sustained = claim.path === 'dispute-sustained';
        await this.reviewer(claim, 'start');
        await this.reviewer(claim, 'reject', { reason: sustained ? 'insufficient-poe' : 'missing-products', comment: 'The PoE does not show the work.' });
        await this.partnerPost(claim, 'disputes', 'dispute', { justification: 'The signed SOW covers every product claimed.' });
        await this.reviewer(claim, 'dispute-decision', { decision: sustained ? 'sustained' : 'overturned', comment: sustained ? 'The SOW is not signed.' : 'Accepted on review.' });
        if (!sustained) await this.approve(claim);
        break;
      }
      case 'no-response': {
        await this.reviewer(claim, 'start');
        const answer = await this.reviewer(claim, 'request-info', { reasons: ['missing-customer-acknowledgment'], comment: 'The customer has not signed the PoE.' });
        const due = Date.parse(answer?.infoRequest?.dueAt ?? '');
        if (Number.isFinite(due)) claim.deadlines.push(due);
        break;
      }
      case 'withdraw':
        await this.partnerPost(claim, 'withdraw', 'withdraw', { subReason: 'no-longer-working-with-customer', comment: 'The customer moved on.' });
        break;
      case 'sla-breach':
        break;
    }
    claim.phase = 'waiting-clock';
  }

  /** After the clock move: the SLA breach is recorded, then the review starts and rejects. */
  private async post(claim: ClaimRun): Promise<void> {
    claim.phase = 'post';
    await this.waitClaim(claim, (c) => (c.slaBreaches ?? []).length > 0, 'the review-start SLA breach');
    await this.reviewer(claim, 'start');
    await this.reviewer(claim, 'reject', { reason: 'poe-unavailable', comment: 'The PoE file cannot be opened.' });
    claim.phase = 'done';
  }

  private async upstreamCreate(claim: ClaimRun, options: BatchOptions): Promise<void> {
    const requestId = randomUUID();
    claim.claimId = claimIdForRequest(requestId);
    const fields = this.fields(claim);
    const record = {
      key: claim.claimId,
      value: JSON.stringify({
        partnerId: claim.partnerId,
        requestedBy: 'crm-sync',
        submit: true,
        claim: fields,
        poe: [{ documentId: `doc-${this.system.tag}-${claim.index}`, fileName: 'signed-sow.pdf', contentType: 'application/pdf', size: PDF.length, sha256: 'a'.repeat(64) }],
      }),
      headers: {
        ce_specversion: '1.0',
        ce_id: requestId,
        ce_type: REQUEST_TYPES.create,
        ce_source: 'urn:cpor-faults:crm-sync',
        ce_subject: claim.claimId,
        ce_time: new Date().toISOString(),
        'content-type': 'application/json',
      },
    };
    await this.publishUntilAcked(record);
    claim.accepted = true;
    if (options.duplicateUpstream) await this.publishUntilAcked(record);
    await this.waitClaim(claim, (c) => c.status === 'Submitted', 'created and submitted from the upstream request');
  }

  private async publishUntilAcked(record: { key: string; value: string; headers: Record<string, string> }): Promise<void> {
    const giveUpAt = Date.now() + SYSTEM_WAIT_MS;
    for (let pause = 500; ; pause = Math.min(pause * 2, 5_000)) {
      try {
        await this.system.publishRequest(record);
        return;
      } catch (error) {
        if (Date.now() > giveUpAt) throw new GaveUpError(`upstream request not acknowledged: ${(error as Error).message}`);
        await sleep(pause);
      }
    }
  }

  /** PATCH with If-Match: a retry that finds the version moved checks whether its own edit is there. */
  private async edit(claim: ClaimRun, changes: { products: string[] }): Promise<void> {
    for (let attempt = 0; attempt < 10; attempt++) {
      const current = await this.readClaim(claim);
      if (JSON.stringify(current.products) === JSON.stringify(changes.products)) return; // an earlier attempt applied it
      const answer = await this.partner(claim, 'PATCH', `/v1/claims/${claim.claimId}`, changes, { headers: { 'if-match': `"${current.version}"` } });
      if (answer.status === 200) return;
      if (answer.status !== 412) throw new Error(`edit: ${answer.status} ${answer.text.slice(0, 300)}`);
    }
    throw new Error('edit: the claim kept changing under the edit');
  }

  private async waitConsentRequested(claim: ClaimRun): Promise<void> {
    const c = await this.waitClaim(claim, (c) => c.status === 'Approved' && Boolean(c.consent?.deadline), 'consent requested');
    claim.deadlines.push(Date.parse(c.consent.deadline));
  }

  /** The customer follows the link in the consent email and declines. */
  private async decline(claim: ClaimRun): Promise<void> {
    const giveUpAt = Date.now() + SYSTEM_WAIT_MS;
    let link: string | undefined;
    for (let pause = 500; !link; pause = Math.min(pause * 2, 5_000)) {
      try {
        const mails = (await this.system.mail.search(claim.customerEmail)).filter((m) => m.subject.startsWith('Partner of record association'));
        if (mails.length > 0) link = consentLinkIn(await this.system.mail.text(mails[0].id), this.system.urls.consent);
      } catch {
        // the mail server is down: wait
      }
      if (link) break;
      if (Date.now() > giveUpAt) throw new GaveUpError('no consent email with a decline link');
      await sleep(pause);
    }
    const answer = await this.http.request('POST', link, { accept: (status) => status === 410 });
    if (answer.status === 200) return;
    // Used: an earlier attempt declined (its answer was lost). Anything else is a failure.
    if (answer.status === 410 && answer.body?.code === 'consent-link-used') return;
    throw new Error(`decline: ${answer.status} ${answer.text.slice(0, 300)}`);
  }

  private async readClaim(claim: ClaimRun): Promise<any> {
    const answer = await this.partner(claim, 'GET', `/v1/claims/${claim.claimId}`);
    return expectOk(answer, 'get claim');
  }

  /** Reads the claim until `ready` (404 counts as not yet: an upstream create not applied yet). */
  private async waitClaim(claim: ClaimRun, ready: (c: any) => boolean, what: string): Promise<any> {
    const giveUpAt = Date.now() + SYSTEM_WAIT_MS;
    for (let pause = 300; ; pause = Math.min(pause * 1.5, 3_000)) {
      const answer = await this.partner(claim, 'GET', `/v1/claims/${claim.claimId}`);
      if (answer.status === 200 && ready(answer.body)) return answer.body;
      if (answer.status !== 200 && answer.status !== 404) throw new Error(`waiting for ${what}: ${answer.status} ${answer.text.slice(0, 200)}`);
      if (Date.now() > giveUpAt) throw new GaveUpError(`${what}: not within ${SYSTEM_WAIT_MS / 1000} s (status ${answer.body?.status ?? answer.status})`);
      await sleep(pause);
    }
  }

  // ----------------------------------------------------------------------------------------------
  // The clock

  /** Moves the business clock past every deadline the batch waits for (and at least 14 days: any review-start SLA). */
  private async moveClockPast(claims: ClaimRun[], options: BatchOptions): Promise<void> {
    const token = await this.system.opsToken();
    const current = expectOk(await this.http.request('GET', `${this.system.urls.intake}/ops/clock`, { token }), 'read the clock');
    const now = Date.parse(current.now);
    const latest = Math.max(now + MIN_CLOCK_MOVE_MS, ...claims.flatMap((c) => c.deadlines).map((d) => d + CLOCK_MARGIN_MS));
    const to = new Date(latest).toISOString();
    // `to` rather than `by`: a retry of a move whose answer was lost cannot move twice.
    const moved = await this.http.request('POST', `${this.system.urls.intake}/ops/clock`, { token, body: { to }, accept: (status) => status === 400 });
    if (moved.status === 400) {
      // Already there (an earlier attempt applied it): the clock only moves forward.
      const again = expectOk(await this.http.request('GET', `${this.system.urls.intake}/ops/clock`, { token }), 'read the clock');
      if (Date.parse(again.now) < latest) throw new Error(`clock move refused: ${moved.text.slice(0, 200)}`);
    } else expectOk(moved, 'move the clock');
    options.log(`clock moved to ${to} (${((latest - now) / DAY_MS).toFixed(1)} days)`);
  }
}

function expectOk(answer: HttpAnswer, what: string): any {
  if (answer.status !== 200 && answer.status !== 201) throw new Error(`${what}: ${answer.status} ${answer.text.slice(0, 300)}`);
  return answer.body;
}
