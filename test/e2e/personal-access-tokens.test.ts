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
