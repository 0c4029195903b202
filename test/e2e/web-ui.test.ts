import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS } from '../../src/domain/settings.js';
import { AccessLevel, makeGroup, makePat, makeProject, makeUser, setRole } from '../support/factories.js';
import { TEST_ROOT_PASSWORD } from '../support/harness.js';
import { startServer, type ServerHarness } from '../support/server.js';
import { ensureWebBuild, fitsWidth, openBrowserPage, screenshot, signInThroughUi } from './browser.js';

/**
 * The web UI's pages other than access tokens: sign-in, groups, group, general settings, admin
 * settings, and the headers every page carries. SQLite only: the pages call the same API whose
 * route tests run on both databases, so PostgreSQL adds nothing here.
 */
describe('web UI: sign-in, groups, settings (sqlite)', () => {
  let server: ServerHarness;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let problems: string[];
  let rootToken: string;
  const api = (path: string, init: RequestInit = {}) =>
    fetch(`${server.url}/api/v4${path}`, { ...init, headers: { 'private-token': rootToken, 'content-type': 'application/json', ...init.headers } });

  beforeAll(async () => {
    ensureWebBuild();
    // The browser's clock is real, so the server's starts at the real time too.
    server = await startServer('sqlite', { now: new Date().toISOString() });
    rootToken = (await makePat(server, server.root)).token;
    ({ browser, context, page, problems } = await openBrowserPage());
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('every page carries the security headers: CSP without inline script, X-Frame-Options DENY, Referrer-Policy', async () => {
    for (const path of ['/', '/users/sign_in', '/groups', '/groups/a/b/-/settings/access_tokens', '/admin/application_settings']) {
      const res = await fetch(`${server.url}${path}`);
      expect(res.status, path).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/html/);
      const csp = res.headers.get('content-security-policy') ?? '';
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).not.toContain('unsafe-inline');
      expect(csp).not.toContain('unsafe-eval');
      expect(res.headers.get('x-frame-options')).toBe('DENY');
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('cache-control')).toBe('no-cache');
      const html = await res.text();
      // Every script is a file: CSP would block an inline one anyway.
      expect(html.match(/<script\b[^>]*>/g)?.every((tag) => /\bsrc=/.test(tag))).toBe(true);
    }
    // The bundle: a file from this origin, cached for good (its name changes with its content).
    const index = await (await fetch(`${server.url}/`)).text();
    const script = /<script[^>]*src="([^"]+)"/.exec(index)![1]!;
    const asset = await fetch(`${server.url}${script}`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('content-type')).toMatch(/javascript/);
    expect(asset.headers.get('cache-control')).toContain('immutable');
    expect((await fetch(`${server.url}/assets/no-such-file.js`)).status).toBe(404);
    // Not a client route: GitLab's JSON 404, not the app.
    const unknown = await fetch(`${server.url}/nothing-here`);
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toEqual({ error: '404 Not Found' });
  });

  it('a signed-out visitor is sent to /users/sign_in', async () => {
    await page.goto(`${server.url}/groups`);
    await page.waitForURL(/\/users\/sign_in\?redirect=%2Fgroups$/);
    await page.getByRole('heading', { name: 'Sign in to Tollgate' }).waitFor();
    expect(await fitsWidth(page)).toBe(true);
    await screenshot(page, 'sign-in');
  });

  it('wrong credentials: a clear error, the same for an unknown user and a wrong password', async () => {
    for (const login of ['root', 'nobody-here']) {
      await page.getByLabel('Username or primary email').fill(login);
      await page.getByLabel('Password').fill('not-the-password');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await expect.poll(() => page.getByRole('alert').textContent()).toBe('Invalid login or password.');
      expect(new URL(page.url()).pathname).toBe('/users/sign_in');
    }
  });

  it('the browser validates before asking the server: empty fields are flagged beside them', async () => {
    await page.getByLabel('Username or primary email').fill('');
    await page.getByLabel('Password').fill('');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('#login-error').waitFor();
    expect(await page.getByLabel('Username or primary email').getAttribute('aria-invalid')).toBe('true');
    expect(await page.locator('#password-error').isVisible()).toBe(true);
  });

  it('signs in as root (the password from first start) and comes back to the page asked for; the cookie is HttpOnly and SameSite=Lax', async () => {
    await page.getByLabel('Username or primary email').fill('root');
    await page.getByLabel('Password').fill(TEST_ROOT_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${server.url}/groups`);
    await page.getByRole('heading', { level: 1, name: 'Groups' }).waitFor();
    const [cookie] = await context.cookies();
    expect(cookie).toMatchObject({ name: '_tollgate_session', httpOnly: true, sameSite: 'Lax', secure: false });
    // The page's scripts cannot read it.
    expect(await page.evaluate(() => document.cookie)).toBe('');
  });

  it('a cross-site style POST without the CSRF header is refused (403), even with the cookie', async () => {
    const status = await page.evaluate(async () => {
      const res = await fetch('/api/v4/groups', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'forged', path: 'forged' }) });
      return { status: res.status, body: await res.json() };
    });
    expect(status).toEqual({ status: 403, body: { message: '403 Forbidden - CSRF token invalid' } });
  });

  it('creates a group from the groups page and opens it', async () => {
    await page.getByRole('button', { name: 'New group' }).click();
    await page.getByLabel('Group name').fill('Platform Team');
    expect(await page.getByLabel('Group URL').inputValue()).toBe('platform-team');
    await page.getByRole('button', { name: 'Create group' }).click();
    await page.waitForURL(`${server.url}/groups/platform-team`);
    await page.getByRole('heading', { level: 1, name: 'Platform Team' }).waitFor();
    const created = await (await api('/groups/platform-team')).json();
    expect(created).toMatchObject({ name: 'Platform Team', full_path: 'platform-team', visibility: 'private' });
  });

  it("a taken path: the server's message appears beside the Group URL field", async () => {
    await page.goto(`${server.url}/groups`);
    await page.getByRole('button', { name: 'New group' }).click();
    await page.getByLabel('Group name').fill('Platform Team');
    await page.getByRole('button', { name: 'Create group' }).click();
    await page.locator('#path-error').waitFor();
    expect(await page.locator('#path-error').textContent()).toMatch(/taken/i);
    await page.getByRole('button', { name: 'Cancel' }).click();
  });

  it('the group page lists subgroups and projects; the groups list shows the groups root belongs to', async () => {
    const group = (await (await api('/groups/platform-team')).json()) as { id: number };
    const row = await server.ctx.database.db.selectFrom('groups').selectAll().where('id', '=', group.id).executeTakeFirstOrThrow();
    await makeGroup(server, server.root, { path: 'runners', name: 'Runners', parent: row });
    await makeGroup(server, server.root, { path: 'deploy', name: 'Deploy', parent: row });
    await makeProject(server, row, { path: 'api-gateway' });
    await makeProject(server, row, { path: 'billing' });
    await makeGroup(server, server.root, { path: 'security', name: 'Security' });
    const stranger = await makeUser(server);
    await makeGroup(server, stranger, { path: 'not-roots', name: 'Not roots' });

    await page.goto(`${server.url}/groups/platform-team`);
    const subgroups = page.getByRole('list', { name: 'Subgroups' });
    await subgroups.getByRole('link', { name: 'Platform Team / Deploy' }).waitFor();
    expect(await subgroups.getByRole('listitem').count()).toBe(2);
    await page.getByRole('list', { name: 'Projects' }).getByText('billing', { exact: true }).waitFor();
    expect(await page.getByRole('list', { name: 'Projects' }).getByRole('listitem').count()).toBe(2);
    await screenshot(page, 'group');

    await subgroups.getByRole('link', { name: 'Platform Team / Runners' }).click();
    await page.waitForURL(`${server.url}/groups/platform-team/runners`);
    await page.getByRole('heading', { level: 1, name: 'Runners' }).waitFor();

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Groups' }).click();
    const yours = page.getByRole('list', { name: 'Your groups' });
    await yours.getByRole('link', { name: 'Security' }).waitFor();
    expect(await yours.getByRole('link', { name: 'Not roots' }).count()).toBe(0);
    expect(await fitsWidth(page)).toBe(true);
    await screenshot(page, 'groups');
  });

  it('General settings: the access-token restriction and the inherited-Owner notification setting are saved through PUT /groups/:id', async () => {
    await page.goto(`${server.url}/groups/platform-team/-/edit`);
    const restriction = page.getByLabel('Users can create project access tokens and group access tokens in this group');
    await restriction.waitFor();
    expect(await restriction.isChecked()).toBe(true);
    await page.getByLabel('All direct and inherited members of the group with the Owner role').check();
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByText("Group 'Platform Team' was successfully updated.").waitFor();
    expect(await (await api('/groups/platform-team')).json()).toMatchObject({ resource_access_token_notify_inherited: true, resource_access_token_creation_allowed: true });
    await screenshot(page, 'group-settings');

    await restriction.uncheck();
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByText("Group 'Platform Team' was successfully updated.").waitFor();
    expect((await (await api('/groups/platform-team')).json()).resource_access_token_creation_allowed).toBe(false);
    await page.reload();
    await restriction.waitFor();
    expect(await restriction.isChecked()).toBe(false);
    await restriction.check();
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByText("Group 'Platform Team' was successfully updated.").waitFor();
  });

  it('General settings of a subgroup: the restriction belongs to the top-level group', async () => {
    await page.goto(`${server.url}/groups/platform-team/runners/-/edit`);
    await page.getByText('Whether access tokens can be created here is set by the top-level group').waitFor();
    expect(await page.getByLabel('Users can create project access tokens and group access tokens in this group').count()).toBe(0);
  });

  it('Admin area: the token, failed-authentication ban and API limit settings are read and saved through /application/settings', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Admin' }).click();
    await page.waitForURL(`${server.url}/admin/application_settings`);
    const lifetime = page.getByLabel('Maximum allowable lifetime for access tokens (days)');
    await lifetime.waitFor();
    expect(await lifetime.inputValue()).toBe(String(DEFAULT_SETTINGS.max_personal_access_token_lifetime));
    expect(await page.getByLabel('Personal access token prefix').inputValue()).toBe(DEFAULT_SETTINGS.personal_access_token_prefix);
    expect(await page.getByLabel('Require expiration date for access tokens').isChecked()).toBe(true);
    expect(await page.getByLabel('Token reuse detection').inputValue()).toBe('rotate');
    await screenshot(page, 'admin-settings');

    await lifetime.fill('200');
    await page.getByLabel('Inactive group and project access token retention (days)').fill('');
    await page.getByLabel('Token reuse detection').selectOption('any_use');
    await page.getByLabel('Failed attempts before a ban').fill('12');
    // Issue 14's limits: shown with their defaults, saved like the rest.
    const failedAuthLimit = page.getByLabel('Failed token authentications per minute from one address');
    expect(await failedAuthLimit.inputValue()).toBe(String(DEFAULT_SETTINGS.api_failed_auth_limit_per_minute));
    expect(await page.getByLabel('Addresses the limit never holds back').inputValue()).toBe('');
    await failedAuthLimit.fill('250');
    await page.getByLabel('Addresses the limit never holds back').fill('10.0.0.0/8\n\n 192.0.2.7 \n');
    await page.getByLabel('Token creations per user per minute').fill('0');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByText('Application settings saved successfully.').waitFor();
    expect(await (await api('/application/settings')).json()).toMatchObject({
      max_personal_access_token_lifetime: 200,
      inactive_resource_access_tokens_delete_after_days: null,
      token_reuse_detection: 'any_use',
      failed_auth_ban_max_attempts: 12,
      api_failed_auth_limit_per_minute: 250,
      failed_auth_throttle_allowlist: ['10.0.0.0/8', '192.0.2.7'],
      token_creations_limit_per_minute: 0,
    });
  });

  it('Admin area: the browser refuses what it can check; what only the server knows comes back beside the field', async () => {
    const lifetime = page.getByLabel('Maximum allowable lifetime for access tokens (days)');
    await lifetime.fill('0');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.locator('#max_personal_access_token_lifetime-error').waitFor();
    expect(await lifetime.getAttribute('aria-invalid')).toBe('true');
    expect((await (await api('/application/settings')).json()).max_personal_access_token_lifetime).toBe(200);

    // A browser that does not enforce max= (or a stale page): the server still refuses, and says why.
    await lifetime.evaluate((input) => input.removeAttribute('max'));
    await lifetime.fill('500');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await expect.poll(() => page.locator('#max_personal_access_token_lifetime-error').textContent()).toBe(
      'Max personal access token lifetime must be an integer between 1 and 400',
    );
    expect((await (await api('/application/settings')).json()).max_personal_access_token_lifetime).toBe(200);

    // An allowlist entry that is no network: the server's message beside the list, nothing saved.
    await lifetime.fill('200');
    await page.getByLabel('Addresses the limit never holds back').fill('10.0.0.0/8\nthe office');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await expect.poll(() => page.locator('#failed_auth_throttle_allowlist-error').textContent()).toBe(
      'Failed auth throttle allowlist must be a list of at most 50 IP addresses or CIDR networks',
    );
    expect((await (await api('/application/settings')).json()).failed_auth_throttle_allowlist).toEqual(['10.0.0.0/8', '192.0.2.7']);
    await api('/application/settings', {
      method: 'PUT',
      body: JSON.stringify({
        max_personal_access_token_lifetime: 365,
        token_reuse_detection: 'rotate',
        failed_auth_ban_max_attempts: 30,
        inactive_resource_access_tokens_delete_after_days: 30,
        api_failed_auth_limit_per_minute: DEFAULT_SETTINGS.api_failed_auth_limit_per_minute,
        failed_auth_throttle_allowlist: [],
        token_creations_limit_per_minute: DEFAULT_SETTINGS.token_creations_limit_per_minute,
      }),
    });
  });

  it('fits a phone: no sideways scrolling on the groups, group and admin pages', async () => {
    await page.setViewportSize({ width: 360, height: 740 });
    try {
      for (const path of ['/groups', '/groups/platform-team', '/groups/platform-team/-/edit', '/admin/application_settings']) {
        await page.goto(`${server.url}${path}`);
        await page.locator('main h1').waitFor();
        await page.waitForLoadState('networkidle');
        expect(await fitsWidth(page), path).toBe(true);
      }
    } finally {
      await page.setViewportSize({ width: 1280, height: 800 });
    }
  });

  it('a member without the Owner role sees why instead of settings; a non-administrator sees why instead of the admin area', async () => {
    const maintainer = await makeUser(server, { password: 'maintainer-password' });
    const group = await server.ctx.database.db.selectFrom('groups').selectAll().where('full_path', '=', 'platform-team').executeTakeFirstOrThrow();
    await setRole(server, { group }, maintainer, AccessLevel.MAINTAINER);
    const other = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    try {
      const maintainerPage = await other.newPage();
      await signInThroughUi(maintainerPage, server.url, maintainer.email, 'maintainer-password');
      await maintainerPage.goto(`${server.url}/groups/platform-team`);
      await maintainerPage.getByRole('heading', { level: 1, name: 'Platform Team' }).waitFor();
      await maintainerPage.getByText('Your role: Maintainer').waitFor();
      expect(await maintainerPage.getByRole('link', { name: /Settings/ }).count()).toBe(0);
      await maintainerPage.goto(`${server.url}/groups/platform-team/-/edit`);
      await maintainerPage.getByText('You need the Owner role in this group to change its settings.').waitFor();
      await maintainerPage.goto(`${server.url}/admin/application_settings`);
      await maintainerPage.getByText('You need to be an administrator to see the instance settings.').waitFor();
      expect(await maintainerPage.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Admin' }).count()).toBe(0);
    } finally {
      await other.close();
    }
  });

  it('signs out: the session ends on the server, and pages send the visitor back to sign in', async () => {
    await page.goto(`${server.url}/groups`);
    await page.getByRole('heading', { level: 1, name: 'Groups' }).waitFor();
    const [cookie] = await context.cookies();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(/\/users\/sign_in/);
    const reused = await fetch(`${server.url}/api/v4/user`, { headers: { cookie: `${cookie!.name}=${cookie!.value}` } });
    expect(reused.status).toBe(401);
    await page.goto(`${server.url}/groups/platform-team`);
    await page.waitForURL(/\/users\/sign_in\?redirect=%2Fgroups%2Fplatform-team$/);
  });

  it('no page raised a script error or a Content-Security-Policy violation', () => {
    expect(problems).toEqual([]);
  });
});
