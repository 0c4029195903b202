import { expect, it } from 'vitest';
import { GROUP_ACCESS_TOKEN_SCOPES } from '../../src/domain/scopes.js';
import { AccessLevel, makeGroup, makePat, makeProject, makeUser, setRole } from '../support/factories.js';
import { signInThroughUi } from './browser.js';
import { describeTokenPage } from './token-page-suite.js';

const PASSWORD = 'maya-password-1234';
const PROJECT = 'acme/website';

/**
 * Project > Settings > Access tokens (GitLab's /<group>/<project>/-/settings/access_tokens), reached
 * from the group's project list and the project's tabs, by a Maintainer: §10, Maintainers manage
 * project access tokens (for groups it takes an Owner).
 */
describeTokenPage({
  kind: 'project',
  path: `/${PROJECT}/-/settings/access_tokens`,
  async prepare(server) {
    const group = await makeGroup(server, server.root, { path: 'acme', name: 'Acme' });
    const project = await makeProject(server, group, { path: 'website' });
    const maya = await makeUser(server, { username: 'maya', password: PASSWORD });
    await setRole(server, { group }, maya, AccessLevel.MAINTAINER);
    const developer = await makeUser(server, { username: 'devin', password: PASSWORD });
    await setRole(server, { project }, developer, AccessLevel.DEVELOPER);
    return { user: maya, password: PASSWORD, token: (await makePat(server, maya, { name: 'api checks' })).token };
  },
  async navigateTo(page) {
    await page.getByRole('list', { name: 'Your groups' }).getByRole('link', { name: 'Acme' }).click();
    await page.getByRole('list', { name: 'Projects' }).getByRole('link', { name: 'website' }).click();
    await page.getByRole('heading', { level: 1, name: 'website' }).waitFor();
    await page.getByText('Your role: Maintainer').waitFor();
    await page.getByRole('navigation', { name: 'Project' }).getByRole('link', { name: 'Settings › Access tokens' }).click();
  },
  listPath: `/projects/${encodeURIComponent(PROJECT)}/access_tokens`,
  apiScopeDescription: /^Grants complete read and write access to the scoped project API/,
  scopeCount: GROUP_ACCESS_TOKEN_SCOPES.length,
  // §10 / T8: a Maintainer gives roles up to their own.
  role: { label: 'Developer', level: AccessLevel.DEVELOPER, all: ['Guest', 'Planner', 'Reporter', 'Developer', 'Maintainer'] },
  screenshotName: 'project-access-tokens',
  more(context) {
    it("§10 the project's bot: resource_type project, resource_id the project's id", async () => {
      const { api, server } = context();
      const project = await server.ctx.database.db.selectFrom('projects').selectAll().where('path', '=', 'website').executeTakeFirstOrThrow();
      const [token] = await (await api.call(`/projects/${project.id}/access_tokens?search=laptop`)).json();
      expect(token).toMatchObject({ name: 'laptop', resource_type: 'project', resource_id: project.id, access_level: AccessLevel.DEVELOPER });
    });

    it('§10 a Developer sees that the Maintainer role is needed, no Settings tab, and the API refuses them too', async () => {
      const { browser, server } = context();
      const other = await browser.newContext();
      try {
        const page = await other.newPage();
        await signInThroughUi(page, server.url, 'devin', PASSWORD);
        await page.goto(`${server.url}/${PROJECT}`);
        await page.getByText('Your role: Developer').waitFor();
        expect(await page.getByRole('link', { name: /Settings/ }).count()).toBe(0);
        await page.goto(`${server.url}/${PROJECT}/-/settings/access_tokens`);
        await page.getByText('You need the Maintainer role in this project to view and manage its access tokens.').waitFor();
        expect(await page.getByRole('button', { name: 'Add new token' }).count()).toBe(0);
        const listed = await page.evaluate(async (path) => (await fetch(`/api/v4/projects/${encodeURIComponent(path)}/access_tokens`)).status, PROJECT);
        expect(listed).toBe(401);
      } finally {
        await other.close();
      }
    });
  },
});
