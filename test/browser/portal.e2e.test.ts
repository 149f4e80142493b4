import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { deflateSync } from 'node:zlib';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { formatting } from '../../apps/portal/src/web/format.js';
import { docsScreenshot, launchChromium, seriousViolations, type AxeFinding } from '../support/browser.js';
import { consentLinkIn, waitForMail } from '../support/lifecycle-driver.js';
import { startPortal, type RunningPortal } from '../support/portal.js';
import { waitFor } from '../support/wait-for.js';
import { DEV_PASSWORD } from '../../tools/dev-identity-provider/users.js';

/**
 * The portal in a real browser (Debian's headless Chromium, driven by playwright-core), against
 * the development identity provider and the five services, all in this process. The test acts
 * only through the pages, as a person would: it signs in at the provider's form, fills in and
 * submits the portal's forms, and reads what the pages say. axe-core checks every page it sees.
 */

const PDF = Buffer.from('%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n', 'latin1');
const PNG = onePixelPng();
/** Another PDF (other bytes), the updated PoE of a dispute. */
const PDF_PAGE_2 = Buffer.from('%PDF-1.4\n% page 2: Dynamics 365\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n', 'latin1');
/** This run's contacts: their emails are told apart from other runs' in the shared mail server by these addresses. */
const RUN = randomUUID().slice(0, 8);
const PARTNER_EMAIL = `pat-${RUN}@contoso.example`;
const CUSTOMER_EMAIL = `casey-${RUN}@northwind.example`;

/** A valid 1x1 PNG (a real image, so the browser's <img> decodes it). */
function onePixelPng(): Buffer {
  const crc = (bytes: Buffer) => {
    let c = ~0;
    for (const byte of bytes) {
      c ^= byte;
      for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
    }
    return ~c >>> 0;
  };
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const out = Buffer.alloc(body.length + 8);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc(body), body.length + 4);
    return out;
  };
  const header = Buffer.from([0, 0, 0, 1, 0, 0, 0, 1, 8, 2, 0, 0, 0]);
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', header), chunk('IDAT', deflateSync(Buffer.from([0, 255, 0, 0]))), chunk('IEND', Buffer.alloc(0))]);
}

let stack: RunningPortal;
let browser: Browser;
const findings: AxeFinding[] = [];
const checked = new Set<string>();

beforeAll(async () => {
  stack = await startPortal();
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

/** A person in their own browser context (own cookies), signed in at the provider's form. */
async function signIn(email: string, path = '/', viewport = { width: 1280, height: 900 }): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  await page.goto(stack.url + path);
  await signInAtProvider(page, email, { check: true });
  await page.waitForURL((url) => url.origin === stack.url);
  return { context, page };
}

/** Fills in and sends the provider's sign-in form the page shows (axe-checked first when `check`). */
async function signInAtProvider(page: Page, email: string, options: { check?: boolean } = {}): Promise<void> {
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(DEV_PASSWORD);
  if (options.check) await check(page);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
}

/** axe-core on the page as it is: serious and critical violations are collected (and must stay none). */
async function check(page: Page): Promise<void> {
  findings.push(...(await seriousViolations(page)));
  checked.add(await page.title());
}

/** Opens a folded form (a <details> by its summary) and answers it, to look inside. */
async function expand(page: Page, summary: string): Promise<Locator> {
  const title = page.locator('summary').filter({ hasText: new RegExp(`^${summary}$`) });
  await title.click();
  return page.locator('details').filter({ has: title });
}

/** How a person works the page's controls: with the pointer (Playwright's own actions), or from the keyboard alone. */
interface Hands {
  fill(field: Locator, text: string): Promise<void>;
  check(box: Locator): Promise<void>;
  select(list: Locator, value: string): Promise<void>;
  press(button: Locator): Promise<void>;
}

const pointer: Hands = {
  fill: (field, text) => field.fill(text),
  check: (box) => box.check(),
  select: async (list, value) => void (await list.selectOption(value)),
  press: (button) => button.click(),
};

/** Tab to each control, then type, Space or Enter; a list's option is chosen by typing its words. */
function keyboard(page: Page): Hands {
  return {
    fill: async (field, text) => {
      await tabTo(page, field);
      await page.keyboard.type(text);
    },
    check: async (box) => {
      await tabTo(page, box);
      await page.keyboard.press('Space');
    },
    select: async (list, value) => {
      await tabTo(page, list);
      await page.keyboard.type(await list.locator(`option[value="${value}"]`).innerText());
      expect(await list.inputValue()).toBe(value);
    },
    press: async (button) => {
      await tabTo(page, button);
      await page.keyboard.press('Enter');
    },
  };
}

/** Presses Tab until `target` has the focus: it is reachable from the keyboard. */
async function tabTo(page: Page, target: Locator, maxPresses = 80): Promise<void> {
  for (let i = 0; i < maxPresses; i++) {
    if (await target.evaluate((element) => element === element.ownerDocument.activeElement)) return;
    await page.keyboard.press('Tab');
  }
  throw new Error(`Tab did not reach ${target} in ${maxPresses} presses on ${page.url()}`);
}

/** Fills in the new claim form (the page shows it) for `customer`, and creates the claim. */
async function fillNewClaim(page: Page, customer: string, hands: Hands = pointer): Promise<void> {
  await hands.fill(page.getByLabel('Name', { exact: true }).first(), customer);
  await hands.fill(page.getByLabel('Domain'), 'northwind.example');
  await hands.fill(page.getByLabel('Tenant ID (GUID)', { exact: true }), randomUUID());
  await hands.fill(page.getByLabel('MPN ID (6 to 10 digits)'), '1234567');
  await hands.check(page.getByLabel('Microsoft 365'));
  const customerContact = page.getByRole('group', { name: 'Customer contact' });
  await hands.fill(customerContact.getByLabel('Name'), 'Casey Customer');
  await hands.fill(customerContact.getByLabel('Email'), CUSTOMER_EMAIL);
  const partnerContact = page.getByRole('group', { name: 'Partner contact' });
  await hands.fill(partnerContact.getByLabel('Name'), 'Pat Partner');
  await hands.fill(partnerContact.getByLabel('Email'), PARTNER_EMAIL);
  await hands.select(page.getByLabel('Activity'), 'pre-sales');
  await hands.fill(page.getByLabel('Subscription or tenant ID (GUID)'), randomUUID());
  await hands.press(page.getByRole('button', { name: 'Create claim', exact: true }));
}

/** Uploads a PoE PDF on the claim page, through the progressive upload (with its progress bar). */
async function uploadPoe(page: Page, fileName: string, file: { mimeType: string; buffer: Buffer } = { mimeType: 'application/pdf', buffer: PDF }): Promise<void> {
  await page.getByLabel(/Upload PoE/).setInputFiles({ name: fileName, ...file });
  await page.getByRole('button', { name: 'Upload', exact: true }).click();
  await page.waitForURL(/\?done=uploaded$/);
  await page.getByRole('link', { name: `Download ${fileName}` }).waitFor();
}

/** Clicks a download link and answers the bytes the browser saved. */
async function download(page: Page, link: string): Promise<Buffer> {
  const [saved] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: link }).click()]);
  return readFile(await saved.path());
}

/** Reloads until the page shows `text` (the services apply some changes moments later). */
async function reloadUntil(page: Page, text: string | RegExp): Promise<void> {
  await waitFor(
    async () => {
      await page.reload();
      return (await page.getByText(text).count()) > 0;
    },
    { timeoutMs: 30_000, intervalMs: 500, message: `${page.url()} to show ${String(text)}` },
  );
}

/** The page is no wider than the screen: nothing to scroll sideways to (evaluated in the page, as text: no DOM types here). */
async function expectFits(page: Page): Promise<void> {
  const [scrollWidth, width] = await page.evaluate<[number, number]>('[document.documentElement.scrollWidth, window.innerWidth]');
  expect({ page: page.url(), overflow: Math.max(0, scrollWidth - width) }).toEqual({ page: page.url(), overflow: 0 });
}

/**
 * Every control the page shows (links, buttons, fields, the titles of folded sections; not what
 * a closed <details> hides) takes the focus on some Tab. The page records what took the focus;
 * twice as many Tabs as controls, so a start mid-page wraps round. A radio group is one stop.
 */
async function expectAllReachableByTab(page: Page): Promise<void> {
  const controls = await page.evaluate<string[]>(`(() => {
    const shown = (e) => e.checkVisibility({ visibilityProperty: true }) && !e.disabled && !e.closest('details:not([open]) > :not(summary)');
    const controls = [...document.querySelectorAll('a[href], button, input:not([type=hidden]), select, textarea, summary')].filter(shown);
    controls.forEach((e, i) => { e.dataset.kbd = e.type === 'radio' ? 'radio ' + e.name : i + ' ' + e.tagName.toLowerCase() + ' ' + (e.id || e.name || e.textContent.trim()); });
    window.reachedByTab = new Set();
    document.addEventListener('focusin', (event) => window.reachedByTab.add(event.target.dataset.kbd));
    return [...new Set(controls.map((e) => e.dataset.kbd))];
  })()`);
  expect(controls.length).toBeGreaterThan(3);
  for (let i = 0; i < 2 * controls.length + 5; i++) await page.keyboard.press('Tab');
  const reached = await page.evaluate<string[]>('[...window.reachedByTab]');
  expect({ page: page.url(), unreached: controls.filter((control) => !reached.includes(control)) }).toEqual({ page: page.url(), unreached: [] });
}

/** A page at 390 pixels: it fits the screen, every control is reachable by Tab, and axe-core finds nothing serious. */
async function expectNarrowAndKeyboardReady(page: Page): Promise<void> {
  await expectFits(page);
  await expectAllReachableByTab(page);
  await check(page);
}

/** The business time zone the page says its times are in (its footer). */
async function businessZone(page: Page): Promise<string> {
  return /Times are shown in (\S+), the business time zone/.exec(await page.locator('footer').innerText())![1];
}

/** The History timeline, newest first: what happened, who (the role the page names) and when (the time shown, and the instant it stands for). */
async function timeline(page: Page): Promise<Array<{ what: string; who: string; shown: string; at: string }>> {
  return page.evaluate(`[...document.querySelectorAll('.timeline li')].map((li) => ({
    what: li.querySelector('.meta + p').firstChild.textContent.trim(),
    who: li.querySelector('.meta').textContent.split(' · ').pop().trim(),
    shown: li.querySelector('.meta time').textContent,
    at: li.querySelector('.meta time').dateTime,
  }))`);
}

/** Each entry's time is the portal's one formatting of its instant in the business time zone. */
async function expectTimesInBusinessZone(page: Page, entries: Array<{ shown: string; at: string }>): Promise<void> {
  const zone = await businessZone(page);
  // The run's zone (the services' default unless set), so the check is not a UTC-to-UTC one.
  expect(zone).toBe(process.env.BUSINESS_TIME_ZONE ?? 'America/New_York');
  const { dateTime } = formatting(zone);
  expect(entries.map((entry) => entry.shown)).toEqual(entries.map((entry) => dateTime(entry.at)));
}

describe('the partner portal and the reviewer console', () => {
  const customer = `Northwind ${randomUUID().slice(0, 8)}`;
  /** The claim that is disputed and put back under review (then approved from the keyboard). */
  const disputed = `Tailspin ${randomUUID().slice(0, 8)}`;
  let claimUrl: string;

  it('a partner creates a claim, uploads PoE and submits it; a reviewer starts the review and asks for information', async () => {
    const partner = await signIn('billing@contoso.example', '/claims');
    const { page } = partner;
    expect(new URL(page.url()).pathname).toBe('/claims');
    expect((await page.getByRole('heading', { level: 1 }).innerText()).trim()).toBe('Customer associations');
    await check(page);

    await page.getByRole('link', { name: 'New claim' }).click();
    await check(page);
    await fillNewClaim(page, customer);
    await page.waitForURL(/\/claims\/[0-9a-f-]{36}\?done=created$/);
    claimUrl = page.url().split('?')[0];
    expect(await page.getByRole('status').innerText()).toContain('The claim was created');
    await page.getByText('Editing', { exact: true }).first().waitFor();

    // Submitting without PoE: the domain's refusal, shown as it words it.
    await page.getByRole('button', { name: 'Submit for review', exact: true }).click();
    expect(await page.getByRole('alert').innerText()).toContain('Submit needs at least one PoE document: upload the proof of execution first');
    await check(page);

    await uploadPoe(page, 'signed-sow.pdf');
    await uploadPoe(page, 'signature.png', { mimeType: 'image/png', buffer: PNG });
    expect(await download(page, 'Download signed-sow.pdf')).toEqual(PDF);

    await page.getByRole('button', { name: 'Submit for review', exact: true }).click();
    await page.waitForURL(/\?done=submitted$/);
    expect((await page.locator('.summary .status').innerText()).trim()).toBe('Submitted');
    await page.getByRole('heading', { name: 'History' }).waitFor();
    await check(page);
    await docsScreenshot(page, 'portal-claim');

    const reviewer = await signIn('rita@reviewers.example', '/reviews');
    const desk = reviewer.page;
    await reloadUntil(desk, customer);
    await check(desk);
    await docsScreenshot(desk, 'reviewer-queue');
    await desk.getByRole('link', { name: customer }).click();
    // The PoE previewed in place (the PDF in a frame, the image as an image: the CSP lets both load), and downloadable.
    const pdfPreview = desk.getByTitle('Preview of signed-sow.pdf');
    const inline = await desk.request.get(new URL((await pdfPreview.getAttribute('src'))!, stack.url).href);
    expect([inline.status(), inline.headers()['content-type'], inline.headers()['content-disposition'], inline.headers()['x-content-type-options']]).toEqual([
      200,
      'application/pdf',
      expect.stringMatching(/^inline;/),
      'nosniff',
    ]);
    expect(await inline.body()).toEqual(PDF);
    await expand(desk, 'Preview signature.png');
    await desk.getByRole('img', { name: 'Preview of signature.png' }).waitFor();
    const loaded = "[...document.images].some((img) => img.alt === 'Preview of signature.png' && img.complete && img.naturalWidth === 1)";
    await waitFor(() => desk.evaluate<boolean>(loaded), { timeoutMs: 10_000, message: 'the PNG preview to load' });
    expect(await download(desk, 'Download signature.png')).toEqual(PNG);
    await desk.getByRole('button', { name: 'Start review', exact: true }).click();
    await desk.waitForURL(/\?done=start$/);
    expect((await desk.locator('.summary .status').innerText()).trim()).toBe('Under review');

    const requestInfo = await expand(desk, 'Request information');
    await requestInfo.getByLabel(/Missing customer acknowledgment/).check();
    await requestInfo.getByLabel('Comment to the partner').fill('The PoE has no customer signature.');
    await requestInfo.getByRole('button', { name: 'Request information', exact: true }).click();
    await desk.waitForURL(/\?done=request-info$/);
    expect((await desk.locator('.summary .status').innerText()).trim()).toBe('Partner action required');
    await check(desk);
    await docsScreenshot(desk, 'reviewer-claim');
    await reviewer.context.close();

    // The partner, signed out, follows the link of the email they were sent: it signs in and lands on the claim.
    const mail = await waitForMail(PARTNER_EMAIL, `${customer} needs more information`);
    const link = new RegExp(`${stack.url.replaceAll('.', '\\.')}/claims/[0-9a-f-]{36}`).exec(mail.text)?.[0];
    expect(link).toBe(claimUrl);
    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await page.getByRole('button', { name: 'Yes, sign me out', exact: true }).click();
    await page.waitForURL(`${stack.url}/signed-out`);
    await page.goto(link!);
    await signInAtProvider(page, 'billing@contoso.example');
    await page.waitForURL(claimUrl);
    expect((await page.getByRole('heading', { level: 1 }).innerText())).toContain(customer);
    // The partner sees what is missing and by when, edits the claim and resubmits.
    const par = page.getByRole('region', { name: 'Partner action required' });
    expect(await par.innerText()).toContain('Missing customer acknowledgment: the customer signature is not on the PoE');
    expect(await par.innerText()).toContain('The PoE has no customer signature.');
    expect(await par.innerText()).toContain('Reply by');
    // The History: every step, newest first, with the role of who took it and its time in the business time zone.
    const steps = await timeline(page);
    expect(steps.map((step) => step.who)).toEqual(['Reviewer', 'Reviewer', 'Partner', 'Partner', 'Partner', 'Partner']); // request info, start; submit, two uploads, create
    await expectTimesInBusinessZone(page, steps);
    await check(page);
    await expand(page, 'Edit the claim');
    // What cannot be edited is shown read-only, with the reason next to it.
    const tenant = page.getByLabel('Customer tenant ID', { exact: true });
    expect([await tenant.isEditable(), await tenant.getAttribute('name')]).toEqual([false, null]);
    expect(await page.locator(`#${await tenant.getAttribute('aria-describedby')}`).innerText()).toBe('Fixed once the claim exists: create a new claim to change it.');
    expect(await page.getByLabel('Customer name', { exact: true }).inputValue()).toBe(customer);
    await page.getByLabel('MPN ID (6 to 10 digits)').fill('7654321');
    await page.getByRole('button', { name: 'Save changes', exact: true }).click();
    await page.waitForURL(/\?done=edited$/);
    expect(await page.getByRole('region', { name: 'Claim details' }).innerText()).toContain('7654321');
    await uploadPoe(page, 'countersigned-sow.pdf');
    await page.getByRole('button', { name: 'Resubmit for review', exact: true }).click();
    await page.waitForURL(/\?done=submitted$/);
    expect((await page.locator('.summary .status').innerText()).trim()).toBe('Submitted');
    await partner.context.close();
  });

  it('the reviewer approves the resubmitted claim, and the partner sees it approved', async () => {
    const reviewer = await signIn('ravi@reviewers.example', '/reviews');
    const desk = reviewer.page;
    await reloadUntil(desk, customer);
    // The queue filtered by status: the resubmitted claim is among the submitted ones, not among those under review.
    const statusFilter = desk.getByRole('group', { name: 'Status' });
    await statusFilter.getByLabel('Under review').check();
    await desk.getByRole('button', { name: 'Filter', exact: true }).click();
    await desk.waitForURL(/status=UnderReview/);
    expect(await desk.getByRole('status').innerText()).toContain('in the statuses chosen');
    expect(await desk.getByRole('link', { name: customer }).count()).toBe(0);
    await check(desk);
    await statusFilter.getByLabel('Under review').uncheck();
    await statusFilter.getByLabel('Submitted').check();
    await desk.getByRole('button', { name: 'Filter', exact: true }).click();
    await desk.waitForURL(/\?status=Submitted$/);
    await desk.getByRole('link', { name: customer }).click();
    await desk.getByRole('button', { name: 'Start review', exact: true }).click();
    await desk.waitForURL(/\?done=start$/);
    const approve = await expand(desk, 'Approve');
    await approve.getByRole('button', { name: 'Approve', exact: true }).click();
    await desk.waitForURL(/\?done=approve$/);
    expect((await desk.locator('.summary .status').innerText()).trim()).toBe('Approved');
    await reviewer.context.close();

    // The customer's consent email and page name the partner organisation (from its users' tokens, kept on the claim).
    const consentMail = await waitForMail(CUSTOMER_EMAIL, customer);
    expect(consentMail.text).toContain(`The partner Contoso Consulting has claimed to be the partner of record for ${customer}`);
    const consentPage = await browser.newPage();
    await consentPage.goto(consentLinkIn(consentMail.text, stack.system.urls.consent));
    expect(await consentPage.locator('dl').innerText()).toMatch(/Partner\s+Contoso Consulting/);
    await consentPage.close();

    const partner = await signIn('incentives@contoso.example', '/claims');
    expect(await partner.page.getByRole('row', { name: new RegExp(customer) }).innerText()).toContain('Approved');
    await check(partner.page);
    await docsScreenshot(partner.page, 'portal-dashboard');
    // The export follows the filters: only this customer's claim, as the dashboard says it.
    await partner.page.getByLabel('Customer (tenant ID or exact name)').fill(customer);
    await partner.page.getByRole('button', { name: 'Filter', exact: true }).click();
    await partner.page.waitForURL(/customer=/);
    const csv = (await download(partner.page, 'Export these claims to CSV')).toString('utf8');
    const [header, ...rows] = csv.replace(/^\uFEFF/, '').trimEnd().split('\r\n');
    expect(header).toMatch(/^"Claim ID","Customer",/);
    expect(rows).toEqual([expect.stringMatching(new RegExp(`^"${new URL(claimUrl).pathname.split('/')[2]}","${customer}",.*,"Approved","Microsoft 365",`))]);
    await partner.page.getByRole('link', { name: customer }).click();
    await partner.page.getByRole('region', { name: 'Approved' }).waitFor();
    await partner.context.close();
  });

  it('a reviewer rejects a claim, the partner disputes with a justification and updated PoE, the reviewer overturns the rejection', async () => {
    const partner = await signIn('global@contoso.example', '/claims/new');
    const { page } = partner;
    await fillNewClaim(page, disputed);
    await page.waitForURL(/\?done=created$/);
    const url = page.url().split('?')[0];
    await uploadPoe(page, 'sow.pdf');
    await page.getByRole('button', { name: 'Submit for review', exact: true }).click();
    await page.waitForURL(/\?done=submitted$/);

    const reviewer = await signIn('rita@reviewers.example', '/reviews');
    const desk = reviewer.page;
    // Destructive actions ask first (portal.js): the reviewer confirms.
    desk.on('dialog', (dialog) => void dialog.accept());
    await reloadUntil(desk, disputed);
    await desk.getByRole('link', { name: disputed }).click();
    await desk.getByRole('button', { name: 'Start review', exact: true }).click();
    await desk.waitForURL(/\?done=start$/);
    const reject = await expand(desk, 'Reject');
    await reject.getByLabel('Reason').selectOption('missing-products');
    await reject.getByLabel('Comment to the partner').fill('Dynamics 365 is not in the PoE.');
    await reject.getByRole('button', { name: 'Reject', exact: true }).click();
    await desk.waitForURL(/\?done=reject$/);
    expect((await desk.locator('.summary .status').innerText()).trim()).toBe('Rejected');

    await page.goto(url);
    const rejected = page.getByRole('region', { name: 'Rejected' });
    expect(await rejected.innerText()).toContain("Missing products: the PoE doesn't include a product or workload being claimed for");
    expect(await rejected.innerText()).toContain('You may dispute this rejection until');
    await check(page);
    const dispute = page.locator('details').filter({ has: page.locator('summary', { hasText: 'Dispute the rejection' }) });
    await dispute.getByLabel('Business justification').fill('The SOW names Dynamics 365 on page 2.');
    await dispute.getByLabel('Updated PoE (optional)').setInputFiles({ name: 'sow-page-2.pdf', mimeType: 'application/pdf', buffer: PDF_PAGE_2 });
    await dispute.getByRole('button', { name: 'Dispute', exact: true }).click();
    await page.waitForURL(/\?done=disputed$/);
    // The updated PoE joined the claim's documents.
    expect(await download(page, 'Download sow-page-2.pdf')).toEqual(PDF_PAGE_2);
    expect(await page.getByRole('region', { name: 'Rejected' }).innerText()).toContain('Your dispute is waiting for the reviewers’ answer');

    await desk.reload();
    const open = desk.getByRole('region', { name: 'Open dispute' });
    expect(await open.innerText()).toContain('The SOW names Dynamics 365 on page 2.');
    expect(await download(desk, 'Download sow-page-2.pdf')).toEqual(PDF_PAGE_2);
    await check(desk);
    await open.getByLabel('Overturn: back under review').check();
    await open.getByLabel('Comment to the partner').fill('Confirmed on page 2.');
    await open.getByRole('button', { name: 'Decide the dispute', exact: true }).click();
    await desk.waitForURL(/\?done=dispute-decision$/);
    expect((await desk.locator('.summary .status').innerText()).trim()).toBe('Under review');
    await reviewer.context.close();

    await page.reload();
    expect((await page.locator('.summary .status').innerText()).trim()).toBe('Under review');
    expect(await page.getByRole('region', { name: 'History' }).innerText()).toContain('Dispute overturned: the claim is back under review');
    await partner.context.close();
  });

  it("shows another organisation's claim as not found", async () => {
    const { context, page } = await signIn('global@fabrikam.example', new URL(claimUrl).pathname);
    expect(page.url()).toBe(claimUrl);
    expect((await page.getByRole('heading', { level: 1 }).innerText()).trim()).toBe('Not found');
    expect(await page.content()).not.toContain(customer);
    await check(page);
    await context.close();
  });

  it('refuses a user of a partner organisation without a partner role', async () => {
    const { context, page } = await signIn('staff@contoso.example', '/claims');
    expect((await page.getByRole('heading', { level: 1 }).innerText()).trim()).toBe('Not allowed');
    expect(await page.getByRole('main').innerText()).toContain('Billing admin, Global admin or Incentives admin');
    const answer = await page.goto(claimUrl);
    expect(answer?.status()).toBe(403);
    await check(page);
    await context.close();
  });

  it('refuses a form posted without its CSRF token, a plain one or an upload, and does nothing', async () => {
    const { context, page } = await signIn('global@contoso.example', new URL(claimUrl).pathname);
    // The browser's own cookies (the session's among them), but no token in the form: what another site's form would send.
    const comment = await context.request.post(`${claimUrl}/comments`, { form: { text: 'forged comment', _csrf: 'not-the-token' }, maxRedirects: 0 });
    expect([comment.status(), await comment.text()]).toEqual([403, expect.stringContaining('This form has expired')]);
    const upload = await context.request.post(`${claimUrl}/poe`, { multipart: { files: { name: 'forged.pdf', mimeType: 'application/pdf', buffer: PDF } }, maxRedirects: 0 });
    expect(upload.status()).toBe(403);
    await page.reload();
    expect(await page.content()).not.toMatch(/forged/);
    await context.close();
  });

  it('signs out at the portal and at the provider', async () => {
    const { context, page } = await signIn('global@contoso.example', '/claims');
    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await page.getByRole('button', { name: 'Yes, sign me out', exact: true }).click();
    await page.waitForURL(`${stack.url}/signed-out`);
    expect((await page.getByRole('heading', { level: 1 }).innerText()).trim()).toBe('You are signed out');
    await check(page);
    // Both sessions are gone: the portal sends the browser to the provider, which asks again.
    await page.goto(`${stack.url}/claims`);
    await page.getByLabel('Password').waitFor();
    await context.close();
  });

  it('works on a 390-pixel-wide screen and from the keyboard, on every page; a partner and a reviewer act by keyboard alone', async () => {
    const narrow = { width: 390, height: 844 };
    const partner = await signIn('billing@contoso.example', '/claims', narrow);
    const { page } = partner;
    const focused = () => page.evaluate<string>('document.activeElement.textContent');
    // The dashboard. The first Tab reaches "Skip to content", which moves focus to the page's main content.
    await page.keyboard.press('Tab');
    expect(await focused()).toBe('Skip to content');
    await page.keyboard.press('Enter');
    expect(await page.evaluate<string>('document.activeElement.id')).toBe('main');
    await expectNarrowAndKeyboardReady(page);
    // A claim page, opened with Enter on its link.
    await tabTo(page, page.getByRole('link', { name: customer }));
    await page.keyboard.press('Enter');
    await page.waitForURL(claimUrl);
    await expectNarrowAndKeyboardReady(page);

    // The partner creates a claim from the keyboard alone: the new claim form, then the new claim's page and its edit form.
    const keyed = `Keyed ${randomUUID().slice(0, 8)}`;
    await tabTo(page, page.getByRole('link', { name: 'New claim' }));
    await page.keyboard.press('Enter');
    await page.waitForURL(`${stack.url}/claims/new`);
    await expectNarrowAndKeyboardReady(page);
    await fillNewClaim(page, keyed, keyboard(page));
    await page.waitForURL(/\/claims\/[0-9a-f-]{36}\?done=created$/);
    expect((await page.getByRole('heading', { level: 1 }).innerText())).toContain(keyed);
    // Its page, checked with the edit form opened (from the keyboard): the same controls and the form's.
    await tabTo(page, page.locator('summary', { hasText: 'Edit the claim' }));
    await page.keyboard.press('Enter');
    await page.getByRole('button', { name: 'Save changes', exact: true }).waitFor();
    await expectNarrowAndKeyboardReady(page);
    await partner.context.close();

    // The reviewer: the queue, the review page; comments and approves the claim back under review from the keyboard alone.
    const reviewer = await signIn('rita@reviewers.example', '/reviews', narrow);
    const desk = reviewer.page;
    await expectNarrowAndKeyboardReady(desk);
    await tabTo(desk, desk.getByRole('link', { name: disputed }));
    await desk.keyboard.press('Enter');
    await desk.waitForURL(/\/reviews\/[0-9a-f-]{36}$/);
    await expectNarrowAndKeyboardReady(desk);
    const hands = keyboard(desk);
    await hands.fill(desk.getByLabel('Your comment'), 'Checked page 2 again.');
    await hands.press(desk.getByRole('button', { name: 'Add comment', exact: true }));
    await desk.waitForURL(/\?done=commented$/);
    // The comments thread names the role and the time (business time zone) of each comment.
    const comment = desk.locator('.comments li').filter({ hasText: 'Checked page 2 again.' });
    expect(await comment.locator('.meta').innerText()).toMatch(/^Reviewer · /);
    await expectTimesInBusinessZone(desk, [{ shown: await comment.locator('time').innerText(), at: (await comment.locator('time').getAttribute('datetime'))! }]);
    // ...and the History too, as the newest step.
    expect((await timeline(desk))[0]).toMatchObject({ who: 'Reviewer', what: 'Comment by reviewer' });
    const approveTitle = desk.locator('summary', { hasText: /^Approve$/ });
    await tabTo(desk, approveTitle);
    await desk.keyboard.press('Enter');
    await hands.press(desk.locator('details').filter({ has: approveTitle }).getByRole('button', { name: 'Approve', exact: true }));
    await desk.waitForURL(/\?done=approve$/);
    expect((await desk.locator('.summary .status').innerText()).trim()).toBe('Approved');
    await reviewer.context.close();
  });

  it('has no serious or critical accessibility violation on any page it showed', () => {
    expect(findings).toEqual([]);
    // The sign-in form, the dashboard, the new claim form, the claim page, the queue, the review page, the refusals, signed out.
    expect(checked.size).toBeGreaterThanOrEqual(8);
  });
});
