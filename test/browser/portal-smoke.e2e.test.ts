import { launchChromium } from '../support/browser.js';
import { startPortal, type RunningPortal } from '../support/portal.js';
import type { Browser } from 'playwright-core';

let stack: RunningPortal;
let browser: Browser;
beforeAll(async () => {
  stack = await startPortal();
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

it('signs in', async () => {
  const page = await browser.newPage();
  page.on('console', (m) => console.log('console', m.text()));
  await page.goto(stack.url + '/claims');
  console.log(page.url(), await page.title());
  await page.getByLabel('Email').fill('billing@contoso.example');
  await page.getByLabel('Password').fill('cpor-dev');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${stack.url}/claims`);
  console.log(page.url(), await page.title(), (await page.locator('main').innerText()).slice(0, 500));
});
