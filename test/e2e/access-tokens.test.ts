import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccessLevel, makePat, makeUser, setRole } from '../support/factories.js';
import { TEST_ROOT_PASSWORD } from '../support/harness.js';
import { startServer, type ServerHarness } from '../support/server.js';
import { ensureWebBuild, fitsWidth, isFocused, openBrowserPage, screenshot, signInThroughUi, tabTo } from './browser.js';

const TOKEN_FIELD = 'Your new group access token';
const GROUP = 'acme-platform';
const PAGE_PATH = `/groups/${GROUP}/-/settings/access_tokens`;

/** YYYY-MM-DD, `days` after today (UTC). */
const inDays = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);

/**
 * Group > Settings > Access tokens, end to end: Chromium drives the UI, the test checks every
 * token value against the API as a real client would. SQLite only: the token rules and both
 * databases are covered by the API's own tests; this file is about the browser.
 */
describe('web UI: group access tokens (sqlite)', () => {
  let server: ServerHarness;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let problems: string[];
  let rootToken: string;
  const api = (path: string, init: RequestInit = {}, token = rootToken) =>
    fetch(`${server.url}/api/v4${path}`, { ...init, headers: { 'private-token': token, 'content-type': 'application/json', ...init.headers } });
  /** What the API says about a token value: 200 while it works. */
  const selfStatus = async (token: string) => (await api('/personal_access_tokens/self', {}, token)).status;
  const tokenField = () => page.getByLabel(TOKEN_FIELD);
  const activeTable = () => page.getByRole('table', { name: 'Active group access tokens', exact: true });
  const inactiveTable = () => page.getByRole('table', { name: 'Inactive group access tokens', exact: true });
  /** Position in the document (not the viewport), to tell layout shifts from scrolling. */
  const documentTop = (selector: string) => page.locator(selector).evaluate((element) => element.getBoundingClientRect().top + window.scrollY);

  beforeAll(async () => {
    ensureWebBuild();
    server = await startServer('sqlite', { now: new Date().toISOString() });
    rootToken = (await makePat(server, server.root)).token;
    ({ browser, context, page, problems } = await openBrowserPage());
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('signs in as root, creates a group and opens Settings > Access tokens', async () => {
    await signInThroughUi(page, server.url, 'root', TEST_ROOT_PASSWORD);
    await page.getByRole('button', { name: 'New group' }).click();
    await page.getByLabel('Group name').fill('ACME Platform');
    await page.getByRole('button', { name: 'Create group' }).click();
    await page.waitForURL(`${server.url}/groups/${GROUP}`);
    await page.getByRole('navigation', { name: 'Group' }).getByRole('link', { name: 'Settings › Access tokens' }).click();
    await page.waitForURL(`${server.url}${PAGE_PATH}`);
    await page.getByRole('heading', { level: 1, name: 'Group access tokens' }).waitFor();
    await page.getByText('This group has no active access tokens.').waitFor();
  });

  it('the form: labelled fields, expiry pre-filled 30 days ahead, every role up to the Owner, one checkbox per scope with its description', async () => {
    await page.getByRole('button', { name: 'Add new token' }).click();
    expect(await isFocused(page.getByLabel('Token name'))).toBe(true);
    await page.getByLabel('Token description').waitFor();
    expect(await page.getByLabel('Expiration date').inputValue()).toBe(inDays(30));
    expect(await page.getByLabel('Select a role').locator('option').allTextContents()).toEqual(['Guest', 'Planner', 'Reporter', 'Developer', 'Maintainer', 'Owner']);
    const scopes = page.getByRole('group', { name: 'Select one or more scopes' }).getByRole('checkbox');
    expect(await scopes.count()).toBe(13);
    const api = page.getByRole('checkbox', { name: 'api', exact: true });
    expect(await api.getAttribute('aria-describedby')).toBe('scope-api-description');
    expect(await page.locator('#scope-api-description').textContent()).toMatch(/^Grants complete read and write access to the scoped group/);
  });

  it('the browser checks the form before sending it: a name and at least one scope', async () => {
    await page.getByRole('button', { name: 'Create group access token' }).click();
    await page.locator('#token-name-error').waitFor();
    expect(await page.locator('#scopes-error').textContent()).toBe('Select at least one scope.');
    expect(await isFocused(page.getByLabel('Token name'))).toBe(true);
    expect(await (await api(`/groups/${GROUP}/access_tokens`)).json()).toEqual([]);
  });

  it("the server's refusal appears beside the field it concerns: an expiry beyond the maximum lifetime", async () => {
    await page.getByLabel('Token name').fill('too-long');
    await page.getByRole('checkbox', { name: 'read_api', exact: true }).check();
    await page.getByLabel('Expiration date').fill(inDays(380));
    await page.getByRole('button', { name: 'Create group access token' }).click();
    await expect.poll(() => page.locator('#token-expires-at-error').textContent()).toMatch(/^Expires at must be before \d{4}-\d{2}-\d{2}$/);
    expect(await isFocused(page.getByLabel('Expiration date'))).toBe(true);
    expect(await (await api(`/groups/${GROUP}/access_tokens`)).json()).toEqual([]);
    await page.getByRole('button', { name: 'Cancel' }).click();
  });

  let firstToken: string;

  it('creates a token with two scopes; its value, read from "Your new group access token", works against the API; it takes the form\'s place', async () => {
    await page.getByRole('button', { name: 'Add new token' }).click();
    await page.getByLabel('Token name').fill('ci-deploy');
    await page.getByLabel('Token description').fill('Deploys from CI');
    await page.getByLabel('Select a role').selectOption({ label: 'Developer' });
    await page.getByRole('checkbox', { name: 'api', exact: true }).check();
    await page.getByRole('checkbox', { name: 'read_repository', exact: true }).check();
    const formTop = await documentTop('.token-slot');
    await page.getByRole('button', { name: 'Create group access token' }).click();

    await tokenField().waitFor();
    await activeTable().getByRole('rowheader', { name: 'ci-deploy' }).waitFor();
    // The submitted form closes and the token appears where it was: nothing above it moves.
    expect(await documentTop('.token-slot')).toBe(formTop);
    expect(await tokenField().getAttribute('type')).toBe('password');
    expect(await isFocused(tokenField())).toBe(true);
    await page.getByText("Make sure you save it — you won't be able to access it again.", { exact: false }).waitFor();
    firstToken = await tokenField().inputValue();
    expect(firstToken).toMatch(/^glpat-/);

    const self = await api('/personal_access_tokens/self', {}, firstToken);
    expect(self.status).toBe(200);
    expect(await self.json()).toMatchObject({ name: 'ci-deploy', scopes: ['api', 'read_repository'], expires_at: inDays(30), active: true });
    const [listed] = await (await api(`/groups/${GROUP}/access_tokens`)).json();
    expect(listed).toMatchObject({ name: 'ci-deploy', description: 'Deploys from CI', access_level: AccessLevel.DEVELOPER });

    const row = activeTable().getByRole('row', { name: /ci-deploy/ });
    expect(await row.getByRole('cell').allTextContents()).toEqual(['Deploys from CI', 'api, read_repository', inDays(0), 'Never', inDays(30), 'Anywhere', 'Developer', 'RotateRevoke']);

    // Reveal shows the same value in place; Copy puts it on the clipboard.
    const width = (await tokenField().boundingBox())!.width;
    await page.getByRole('button', { name: 'Reveal token' }).click();
    expect(await tokenField().getAttribute('type')).toBe('text');
    expect((await tokenField().boundingBox())!.width).toBe(width);
    await page.getByRole('button', { name: 'Copy' }).click();
    await page.getByText('Copied to the clipboard.').waitFor();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(firstToken);
    await page.getByRole('button', { name: 'Hide token' }).click();
    await screenshot(page, 'access-tokens');
  });

  it('after a refresh the value is gone from the page', async () => {
    await page.reload();
    await activeTable().getByRole('rowheader', { name: 'ci-deploy' }).waitFor();
    expect(await tokenField().count()).toBe(0);
    expect(await page.content()).not.toContain(firstToken);
    expect(await selfStatus(firstToken)).toBe(200);
  });

  it('clearing the expiration date sends none: the server applies the maximum lifetime (T2)', async () => {
    await page.getByRole('button', { name: 'Add new token' }).click();
    await page.getByLabel('Token name').fill('no-date');
    await page.getByLabel('Expiration date').fill('');
    await page.getByRole('checkbox', { name: 'read_api', exact: true }).check();
    await page.getByRole('button', { name: 'Create group access token' }).click();
    await tokenField().waitFor();
    const value = await tokenField().inputValue();
    expect((await (await api('/personal_access_tokens/self', {}, value)).json()).expires_at).toBe(inDays(365));
  });

  it('Rotate through the confirmation dialog: the old value is refused by the API, the new one works and is shown once, moving nothing', async () => {
    await page.reload();
    await activeTable().getByRole('rowheader', { name: 'ci-deploy' }).waitFor();
    const before = await documentTop('#active-tokens-title');
    await activeTable().getByRole('button', { name: 'Rotate ci-deploy' }).click();
    const dialog = page.getByRole('dialog', { name: 'Rotate ci-deploy?' });
    await dialog.waitFor();
    expect(await isFocused(dialog.getByRole('button', { name: 'Cancel' }))).toBe(true);
    // Escape and Cancel change nothing.
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    expect(await selfStatus(firstToken)).toBe(200);

    await activeTable().getByRole('button', { name: 'Rotate ci-deploy' }).click();
    await dialog.getByRole('button', { name: 'Rotate', exact: true }).click();
    await dialog.waitFor({ state: 'detached' });
    await expect.poll(async () => (await tokenField().inputValue()) !== firstToken).toBe(true);
    const rotated = await tokenField().inputValue();
    expect(await isFocused(tokenField())).toBe(true);
    expect(await documentTop('#active-tokens-title')).toBe(before);

    expect(await selfStatus(firstToken)).toBe(401);
    const self = await api('/personal_access_tokens/self', {}, rotated);
    expect(self.status).toBe(200);
    expect(await self.json()).toMatchObject({ name: 'ci-deploy', scopes: ['api', 'read_repository'], expires_at: inDays(7) });
    await inactiveTable().getByRole('rowheader', { name: 'ci-deploy' }).waitFor();
    expect(await activeTable().getByRole('rowheader', { name: 'ci-deploy' }).count()).toBe(1);
    firstToken = rotated;
  });

  it('Revoke through the confirmation dialog: the row moves to the inactive table and the value is refused', async () => {
    await activeTable().getByRole('button', { name: 'Revoke ci-deploy' }).click();
    const dialog = page.getByRole('dialog', { name: 'Revoke ci-deploy?' });
    await dialog.getByRole('button', { name: 'Revoke', exact: true }).click();
    await dialog.waitFor({ state: 'detached' });
    await expect.poll(() => activeTable().getByRole('rowheader', { name: 'ci-deploy' }).count()).toBe(0);
    await expect.poll(() => inactiveTable().getByRole('rowheader', { name: 'ci-deploy' }).count()).toBe(2);
    expect(await inactiveTable().getByRole('row', { name: /ci-deploy/ }).first().getByRole('cell').nth(4).textContent()).toMatch(/^Revoked/);
    expect(await selfStatus(firstToken)).toBe(401);
    expect(await isFocused(page.locator('#active-tokens-title'))).toBe(true);
  });

  it('expired tokens are listed as inactive with their date; "Show active tokens only" hides the inactive table', async () => {
    const { token } = await (await api(`/groups/${GROUP}/access_tokens`, { method: 'POST', body: JSON.stringify({ name: 'old-one', scopes: ['read_api'], expires_at: inDays(-3) }) })).json();
    expect(await selfStatus(token)).toBe(401);
    await page.reload();
    const expired = inactiveTable().getByRole('row', { name: /old-one/ });
    await expired.waitFor();
    expect(await expired.getByRole('cell').nth(4).textContent()).toBe(`Expired ${inDays(-3)}`);
    await page.getByLabel('Show active tokens only').check();
    await expect.poll(() => inactiveTable().count()).toBe(0);
    await activeTable().getByRole('rowheader', { name: 'no-date' }).waitFor();
    await page.getByLabel('Show active tokens only').uncheck();
    await inactiveTable().waitFor();
  });

  it('keyboard only: a token is created without the mouse', async () => {
    await page.reload();
    await page.getByRole('heading', { level: 1, name: 'Group access tokens' }).waitFor();
    await tabTo(page, page.getByRole('button', { name: 'Add new token' }));
    await page.keyboard.press('Enter');
    expect(await isFocused(page.getByLabel('Token name'))).toBe(true);
    await page.keyboard.type('keyboard-token');
    await page.keyboard.press('Tab');
    await page.keyboard.type('Made with the keyboard');
    await tabTo(page, page.getByLabel('Select a role'));
    for (let i = 0; i < 3; i++) await page.keyboard.press('ArrowDown');
    expect(await page.getByLabel('Select a role').inputValue()).toBe(String(AccessLevel.DEVELOPER));
    await tabTo(page, page.getByRole('checkbox', { name: 'read_api', exact: true }));
    await page.keyboard.press('Space');
    await tabTo(page, page.getByRole('checkbox', { name: 'self_rotate', exact: true }));
    await page.keyboard.press('Space');
    await tabTo(page, page.getByRole('button', { name: 'Create group access token' }));
    await page.keyboard.press('Enter');
    await tokenField().waitFor();
    const value = await tokenField().inputValue();
    const self = await api('/personal_access_tokens/self', {}, value);
    expect(await self.json()).toMatchObject({ name: 'keyboard-token', description: 'Made with the keyboard', scopes: ['read_api', 'self_rotate'] });
  });

  it('keyboard only: a token is revoked through the dialog, focus staying in the dialog until it closes', async () => {
    await tabTo(page, activeTable().getByRole('button', { name: 'Revoke keyboard-token' }), 120);
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog', { name: 'Revoke keyboard-token?' });
    await dialog.waitFor();
    // Tab cycles inside the modal dialog: Cancel → Revoke.
    await page.keyboard.press('Tab');
    expect(await isFocused(dialog.getByRole('button', { name: 'Revoke', exact: true }))).toBe(true);
    await page.keyboard.press('Enter');
    await dialog.waitFor({ state: 'detached' });
    await expect.poll(() => inactiveTable().getByRole('rowheader', { name: 'keyboard-token' }).count()).toBe(1);
  });

  it('fits a phone: tokens become cards, nothing scrolls sideways', async () => {
    await page.setViewportSize({ width: 360, height: 740 });
    try {
      await page.reload();
      await activeTable().getByRole('rowheader', { name: 'no-date' }).waitFor();
      await page.getByRole('button', { name: 'Add new token' }).click();
      expect(await fitsWidth(page)).toBe(true);
      await page.getByRole('button', { name: 'Cancel' }).click();
      const before = await documentTop('#active-tokens-title');
      await activeTable().getByRole('button', { name: 'Rotate no-date' }).click();
      await page.getByRole('dialog').getByRole('button', { name: 'Rotate', exact: true }).click();
      await tokenField().waitFor();
      expect(await documentTop('#active-tokens-title')).toBe(before);
      expect(await fitsWidth(page)).toBe(true);
      await screenshot(page, 'access-tokens-phone');
    } finally {
      await page.setViewportSize({ width: 1280, height: 800 });
    }
  });

  it('a Maintainer sees that the Owner role is needed, and the API refuses them too', async () => {
    const maintainer = await makeUser(server, { password: 'maintainer-password' });
    const group = await server.ctx.database.db.selectFrom('groups').selectAll().where('full_path', '=', GROUP).executeTakeFirstOrThrow();
    await setRole(server, { group }, maintainer, AccessLevel.MAINTAINER);
    const other = await browser.newContext();
    try {
      const maintainerPage = await other.newPage();
      await signInThroughUi(maintainerPage, server.url, maintainer.username, 'maintainer-password');
      await maintainerPage.goto(`${server.url}${PAGE_PATH}`);
      await maintainerPage.getByText('You need the Owner role in this group to view and manage its access tokens.').waitFor();
      expect(await maintainerPage.getByRole('button', { name: 'Add new token' }).count()).toBe(0);
      expect(await maintainerPage.getByRole('table').count()).toBe(0);
      const listed = await maintainerPage.evaluate(async (path) => (await fetch(`/api/v4/groups/${path}/access_tokens`)).status, GROUP);
      expect(listed).toBe(401);
    } finally {
      await other.close();
    }
  });

  it('the restriction checkbox (Settings > General) blocks creation in the UI and in the API; existing tokens keep working', async () => {
    const working = (await (await api(`/groups/${GROUP}/access_tokens`, { method: 'POST', body: JSON.stringify({ name: 'before-restriction', scopes: ['read_api'] }) })).json()).token;
    await page.goto(`${server.url}/groups/${GROUP}/-/edit`);
    await page.getByLabel('Users can create project access tokens and group access tokens in this group').uncheck();
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByText('was successfully updated.', { exact: false }).waitFor();

    await page.getByRole('navigation', { name: 'Group' }).getByRole('link', { name: 'Settings › Access tokens' }).click();
    await page.getByText('Creating group access tokens is turned off for this group hierarchy', { exact: false }).waitFor();
    expect(await page.getByRole('button', { name: 'Add new token' }).count()).toBe(0);

    const refused = await api(`/groups/${GROUP}/access_tokens`, { method: 'POST', body: JSON.stringify({ name: 'blocked', scopes: ['api'] }) });
    expect(refused.status).toBe(400);
    expect(await refused.json()).toEqual({ message: '400 Bad request - User does not have permission to create group access token' });
    expect(await selfStatus(working)).toBe(200);

    await page.goto(`${server.url}/groups/${GROUP}/-/edit`);
    await page.getByLabel('Users can create project access tokens and group access tokens in this group').check();
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByText('was successfully updated.', { exact: false }).waitFor();
    await page.goto(`${server.url}${PAGE_PATH}`);
    await page.getByRole('button', { name: 'Add new token' }).waitFor();
  });

  it('no page raised a script error or a Content-Security-Policy violation', () => {
    expect(problems).toEqual([]);
  });
});
