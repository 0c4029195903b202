import { expect, it } from 'vitest';
import { PERSONAL_ACCESS_TOKEN_SCOPES } from '../../src/domain/scopes.js';
import { makePat, makeUser } from '../support/factories.js';
import { tabTo } from './browser.js';
import { describeTokenPage } from './token-page-suite.js';

const PASSWORD = 'dana-password-1234';

/**
 * User Settings > Personal access tokens (GitLab's /-/user_settings/personal_access_tokens), reached
 * from the user menu (the signed-in name). Created through POST /user/personal_access_tokens with
 * the browser session: any personal scope (docs/api.md).
 */
describeTokenPage({
  kind: 'personal',
  path: '/-/user_settings/personal_access_tokens',
  async prepare(server) {
    const user = await makeUser(server, { username: 'dana', password: PASSWORD });
    return { user, password: PASSWORD, token: (await makePat(server, user, { name: 'api checks' })).token };
  },
  async navigateTo(page) {
    await page.getByRole('button', { name: /dana/ }).click();
    await page.getByRole('navigation', { name: 'User' }).getByRole('link', { name: 'Access tokens' }).click();
  },
  listPath: '/personal_access_tokens',
  apiScopeDescription: /^Grants complete read and write access to the API, including all groups and projects/,
  scopeCount: PERSONAL_ACCESS_TOKEN_SCOPES.length,
  screenshotName: 'personal-access-tokens',
  more(context) {
    it('the personal scopes include read_user, which no group or project token has', async () => {
      const { page, api } = context();
      await page.getByRole('button', { name: 'Add new token' }).click();
      await page.getByLabel('Token name').fill('profile-reader');
      await page.getByRole('checkbox', { name: 'read_user', exact: true }).check();
      await page.getByRole('button', { name: 'Create personal access token' }).click();
      const value = await page.getByLabel('Your new personal access token').inputValue();
      const self = await api.call('/personal_access_tokens/self', {}, value);
      expect(await self.json()).toMatchObject({ name: 'profile-reader', scopes: ['read_user'] });
    });

    const activeTable = () => context().page.getByRole('table', { name: 'Active personal access tokens', exact: true });

    it("Tollgate's own IP allowlist: checked inline as the field is left, shown in the table, and a token limited to 10.0.0.0/8 is refused from here", async () => {
      const { page, api } = context();
      await page.getByRole('button', { name: 'Add new token' }).click();
      await page.getByLabel('Token name').fill('office-only');
      await page.getByRole('checkbox', { name: 'read_api', exact: true }).check();
      const allowlist = page.getByLabel('Allowed IP addresses (optional)');
      await allowlist.fill('10.0.0.0/8\nnot-an-address');
      await allowlist.blur();
      await page.getByText('Not an IP address or CIDR: not-an-address.', { exact: false }).waitFor();
      expect(await allowlist.getAttribute('aria-invalid')).toBe('true');
      await allowlist.fill('10.0.0.0/8');
      await allowlist.blur();
      await expect.poll(() => page.getByText('Not an IP address or CIDR', { exact: false }).count()).toBe(0);
      await page.getByRole('button', { name: 'Create personal access token' }).click();
      const value = await page.getByLabel('Your new personal access token').inputValue();
      const refused = await api.call('/personal_access_tokens/self', {}, value);
      expect(refused.status).toBe(401);
      expect(await refused.json()).toEqual({ error: 'invalid_token', error_description: 'Token is not allowed from this IP address.' });
      const row = activeTable().getByRole('row', { name: /office-only/ });
      await expect.poll(() => row.getByRole('cell').allTextContents()).toContain('10.0.0.0/8');
    });

    it("Tollgate's own overlap window: the rotate dialog offers one, both values then work, and the table says until when the old one does", async () => {
      const { page, api } = context();
      await page.getByRole('button', { name: 'Add new token' }).click();
      await page.getByLabel('Token name').fill('rollout');
      await page.getByRole('checkbox', { name: 'read_api', exact: true }).check();
      await page.getByRole('button', { name: 'Create personal access token' }).click();
      const field = page.getByLabel('Your new personal access token');
      const old = await field.inputValue();
      await activeTable().getByRole('button', { name: 'Rotate rollout' }).click();
      const dialog = page.getByRole('dialog', { name: 'Rotate rollout?' });
      expect(await dialog.getByLabel('Keep the old value working').inputValue()).toBe('0');
      await dialog.getByLabel('Keep the old value working').selectOption({ label: '5 minutes' });
      await dialog.getByText('stops working when the overlap below ends', { exact: false }).waitFor();
      await dialog.getByRole('button', { name: 'Rotate', exact: true }).click();
      await dialog.waitFor({ state: 'detached' });
      await expect.poll(() => field.inputValue()).not.toBe(old);
      const rotated = await field.inputValue();
      expect(await api.selfStatus(old)).toBe(200);
      expect(await api.selfStatus(rotated)).toBe(200);
      const rows = activeTable().getByRole('row', { name: /rollout/ });
      await expect.poll(() => rows.count()).toBe(2);
      await activeTable().getByText(/^Rotated: old value works until \d\d:\d\d UTC$/).waitFor();
    });

    it('keyboard only: the user menu opens with Enter, its "Preferences" link leads to the page, Escape closes it', async () => {
      const { page, server } = context();
      await page.goto(`${server.url}/groups`);
      await page.getByRole('heading', { level: 1, name: 'Groups' }).waitFor();
      const menuButton = page.getByRole('button', { name: /dana/ });
      await tabTo(page, menuButton);
      await page.keyboard.press('Enter');
      expect(await menuButton.getAttribute('aria-expanded')).toBe('true');
      await page.keyboard.press('Escape');
      expect(await menuButton.getAttribute('aria-expanded')).toBe('false');
      await page.keyboard.press('Enter');
      await tabTo(page, page.getByRole('link', { name: 'Preferences' }));
      await page.keyboard.press('Enter');
      await page.waitForURL(`${server.url}/-/user_settings/personal_access_tokens`);
      await page.getByRole('heading', { level: 1, name: 'Personal access tokens' }).waitFor();
    });
  },
});
