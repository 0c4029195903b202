import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { UserRow } from '../../src/store/schema.js';
import { startServer, type ServerHarness } from '../support/server.js';
import { apiAs, documentTop, ensureWebBuild, fitsWidth, inDays, isFocused, openBrowserPage, screenshot, signInThroughUi, tabTo } from './browser.js';

/** What one token page needs to be driven end to end: whose tokens, where they are listed, how a user gets there. */
export interface TokenPageCase {
  /** "personal" or "project": the page's words ("Personal access tokens", "Add a project access token", …). */
  kind: 'personal' | 'project';
  /** The signed-in user, with a password, and the user's API token (to check values as a real client would). */
  prepare(server: ServerHarness): Promise<{ user: UserRow; password: string; token: string }>;
  /** The page's URL path (GitLab's). */
  path: string;
  /** From a signed-in page, by navigation only (no typed URL). */
  navigateTo(page: Page): Promise<void>;
  /** The API list of this page's tokens, for `token`'s holder. */
  listPath: string;
  /** The scope checkboxes the form offers. */
  scopeCount: number;
  /** How the page describes the `api` scope (GitLab's words for this kind of token). */
  apiScopeDescription: RegExp;
  /** The role to pick (group and project tokens), or none (personal tokens have no role). */
  role?: { label: string; level: number; all: string[] };
  /** docs/screenshots/<name>.png and <name>-phone.png. */
  screenshotName: string;
  /** Tests of this page only, run after the shared ones with the same signed-in page. */
  more?(context: () => SuiteContext): void;
}

export interface SuiteContext {
  server: ServerHarness;
  browser: Browser;
  page: Page;
  api: ReturnType<typeof apiAs>;
}

const capitalised = (kind: string) => kind[0]!.toUpperCase() + kind.slice(1);

/**
 * The token pages share their components (web/src/components/TokenManager.tsx) and so their
 * behaviour: create (the value shown once, Reveal and Copy, working against the API, gone after a
 * refresh), rotate and revoke through dialogs, keyboard-only use, a phone's width. One suite runs
 * it for each page; the group page keeps its own (test/e2e/access-tokens.test.ts).
 */
export function describeTokenPage(c: TokenPageCase): void {
  const title = `${c.kind} access tokens`;
  const tokenFieldLabel = `Your new ${c.kind} access token`;
  const createLabel = `Create ${c.kind} access token`;

  describe(`web UI: ${title} (sqlite)`, () => {
    let server: ServerHarness;
    let browser: Browser;
    let context: BrowserContext;
    let page: Page;
    let problems: string[];
    let api: ReturnType<typeof apiAs>;
    let user: UserRow;
    const tokenField = () => page.getByLabel(tokenFieldLabel);
    const activeTable = () => page.getByRole('table', { name: `Active ${title}`, exact: true });
    const inactiveTable = () => page.getByRole('table', { name: `Inactive ${title}`, exact: true });
    const listed = async () => (await api.call(c.listPath)).json() as Promise<{ name: string; revoked: boolean }[]>;

    beforeAll(async () => {
      ensureWebBuild();
      server = await startServer('sqlite', { now: new Date().toISOString() });
      const prepared = await c.prepare(server);
      user = prepared.user;
      api = apiAs(server.url, prepared.token);
      ({ browser, context, page, problems } = await openBrowserPage());
      await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
      await signInThroughUi(page, server.url, user.username, prepared.password);
    });
    afterAll(async () => {
      await browser?.close();
      await server?.close();
    });

    it(`is reached by navigation, as in GitLab, at ${c.path}`, async () => {
      await c.navigateTo(page);
      await page.waitForURL(`${server.url}${c.path}`);
      await page.getByRole('heading', { level: 1, name: capitalised(title) }).waitFor();
    });

    it('the form: labelled fields, expiry pre-filled 30 days ahead, the roles (if any), one checkbox per scope with its description', async () => {
      await page.getByRole('button', { name: 'Add new token' }).click();
      await page.getByRole('heading', { name: `Add a ${c.kind} access token` }).waitFor();
      expect(await isFocused(page.getByLabel('Token name'))).toBe(true);
      expect(await page.getByLabel('Expiration date').inputValue()).toBe(inDays(30));
      if (c.role) expect(await page.getByLabel('Select a role').locator('option').allTextContents()).toEqual(c.role.all);
      else expect(await page.getByLabel('Select a role').count()).toBe(0);
      expect(await page.getByRole('group', { name: 'Select one or more scopes' }).getByRole('checkbox').count()).toBe(c.scopeCount);
      expect(await page.locator('#scope-api-description').textContent()).toMatch(c.apiScopeDescription);
      await page.getByRole('button', { name: 'Cancel' }).click();
    });

    let value: string;

    it('creates a token: its value is shown once (Reveal, Copy) where the form was, and works against the API', async () => {
      await page.getByRole('button', { name: 'Add new token' }).click();
      await page.getByLabel('Token name').fill('laptop');
      await page.getByLabel('Token description').fill('My laptop');
      if (c.role) await page.getByLabel('Select a role').selectOption({ label: c.role.label });
      await page.getByRole('checkbox', { name: 'api', exact: true }).check();
      await page.getByRole('checkbox', { name: 'read_repository', exact: true }).check();
      const formTop = await documentTop(page, '.token-slot');
      await page.getByRole('button', { name: createLabel }).click();

      await tokenField().waitFor();
      await activeTable().getByRole('rowheader', { name: 'laptop' }).waitFor();
      expect(await documentTop(page, '.token-slot')).toBe(formTop);
      expect(await tokenField().getAttribute('type')).toBe('password');
      expect(await isFocused(tokenField())).toBe(true);
      value = await tokenField().inputValue();
      expect(value).toMatch(/^glpat-/);

      const self = await api.call('/personal_access_tokens/self', {}, value);
      expect(self.status).toBe(200);
      expect(await self.json()).toMatchObject({ name: 'laptop', description: 'My laptop', scopes: ['api', 'read_repository'], expires_at: inDays(30), active: true });
      expect(await listed()).toContainEqual(expect.objectContaining({ name: 'laptop', ...(c.role ? { access_level: c.role.level } : {}) }));
      const cells = await activeTable().getByRole('row', { name: /laptop/ }).getByRole('cell').allTextContents();
      expect(cells).toEqual(['My laptop', 'api, read_repository', inDays(0), 'Never', inDays(30), 'Anywhere', ...(c.role ? [c.role.label] : []), 'RotateRevoke']);

      await page.getByRole('button', { name: 'Reveal token' }).click();
      expect(await tokenField().getAttribute('type')).toBe('text');
      await page.getByRole('button', { name: 'Copy' }).click();
      await page.getByText('Copied to the clipboard.').waitFor();
      expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(value);
      await page.getByRole('button', { name: 'Hide token' }).click();
      await screenshot(page, c.screenshotName);
    });

    it('after a refresh the value is gone from the page, and still works', async () => {
      await page.reload();
      await activeTable().getByRole('rowheader', { name: 'laptop' }).waitFor();
      expect(await tokenField().count()).toBe(0);
      expect(await page.content()).not.toContain(value);
      expect(await api.selfStatus(value)).toBe(200);
    });

    it('Rotate through the confirmation dialog: the old value is refused, the new one works and is shown once', async () => {
      await activeTable().getByRole('button', { name: 'Rotate laptop' }).click();
      const dialog = page.getByRole('dialog', { name: 'Rotate laptop?' });
      await dialog.waitFor();
      expect(await isFocused(dialog.getByRole('button', { name: 'Cancel' }))).toBe(true);
      await dialog.getByRole('button', { name: 'Rotate', exact: true }).click();
      await dialog.waitFor({ state: 'detached' });
      await tokenField().waitFor();
      const rotated = await tokenField().inputValue();
      expect(rotated).not.toBe(value);
      expect(await api.selfStatus(value)).toBe(401);
      const self = await api.call('/personal_access_tokens/self', {}, rotated);
      expect(await self.json()).toMatchObject({ name: 'laptop', scopes: ['api', 'read_repository'], expires_at: inDays(7) });
      await inactiveTable().getByRole('rowheader', { name: 'laptop' }).waitFor();
      value = rotated;
    });

    it('Revoke through the confirmation dialog: the row moves to the inactive table and the value is refused', async () => {
      await activeTable().getByRole('button', { name: 'Revoke laptop' }).click();
      const dialog = page.getByRole('dialog', { name: 'Revoke laptop?' });
      await dialog.getByRole('button', { name: 'Revoke', exact: true }).click();
      await dialog.waitFor({ state: 'detached' });
      await expect.poll(() => activeTable().getByRole('rowheader', { name: 'laptop' }).count()).toBe(0);
      await expect.poll(() => inactiveTable().getByRole('rowheader', { name: 'laptop' }).count()).toBe(2);
      expect(await api.selfStatus(value)).toBe(401);
      expect((await listed()).filter((t) => t.name === 'laptop').every((t) => t.revoked)).toBe(true);
      expect(await isFocused(page.locator('#active-tokens-title'))).toBe(true);
    });

    it('keyboard only: a token is created without the mouse', async () => {
      await page.reload();
      await page.getByRole('heading', { level: 1, name: capitalised(title) }).waitFor();
      await tabTo(page, page.getByRole('button', { name: 'Add new token' }));
      await page.keyboard.press('Enter');
      expect(await isFocused(page.getByLabel('Token name'))).toBe(true);
      await page.keyboard.type('keyboard-token');
      await page.keyboard.press('Tab');
      await page.keyboard.type('Made with the keyboard');
      await tabTo(page, page.getByRole('checkbox', { name: 'read_api', exact: true }));
      await page.keyboard.press('Space');
      await tabTo(page, page.getByRole('button', { name: createLabel }));
      await page.keyboard.press('Enter');
      await tokenField().waitFor();
      const self = await api.call('/personal_access_tokens/self', {}, await tokenField().inputValue());
      expect(await self.json()).toMatchObject({ name: 'keyboard-token', description: 'Made with the keyboard', scopes: ['read_api'] });
    });

    it('fits a phone: tokens become cards, nothing scrolls sideways', async () => {
      await page.setViewportSize({ width: 360, height: 740 });
      try {
        await page.reload();
        await activeTable().getByRole('rowheader', { name: 'keyboard-token' }).waitFor();
        await page.getByRole('button', { name: 'Add new token' }).click();
        expect(await fitsWidth(page)).toBe(true);
        await page.getByRole('button', { name: 'Cancel' }).click();
        expect(await fitsWidth(page)).toBe(true);
        await screenshot(page, `${c.screenshotName}-phone`);
      } finally {
        await page.setViewportSize({ width: 1280, height: 800 });
      }
    });

    c.more?.(() => ({ server, browser, page, api }));

    it('no page raised a script error or a Content-Security-Policy violation', () => {
      expect(problems).toEqual([]);
    });
  });
}
