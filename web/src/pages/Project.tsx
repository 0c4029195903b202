import { GROUP_ACCESS_TOKEN_SCOPES } from '../../../src/domain/scopes.js';
import { api, projectApiPath, type Project, type ProjectAbilities } from '../api';
import { Breadcrumbs, RoleRequired, Tabs } from '../components/GroupHeader';
import { TokenManager, type TokenSource } from '../components/TokenManager';
import { Notice, PageHeading } from '../components/fields';
import { roleName } from '../format';
import { useLoad, useProjectAbilities, useSession, useTitle } from '../hooks';
import { groupUrl, projectUrl } from '../router';

type ProjectPageName = 'overview' | 'settings/access_tokens';

/** Loads a project by its full path, with what the signed-in user may do on it. */
function useProject(fullPath: string): { project: ReturnType<typeof useLoad<Project>>; abilities: ProjectAbilities | undefined } {
  const { user } = useSession();
  const project = useLoad(`project:${fullPath}`, () => api.get<Project>(projectApiPath(fullPath)));
  return { project, abilities: useProjectAbilities(project.data, user) };
}

/** Breadcrumbs (the groups, then the project) and the project's pages: Settings for Maintainers (GitLab's admin_project). */
function ProjectHeader({ project, fullPath, current, canAdmin }: { project: Project | undefined; fullPath: string; current: ProjectPageName; canAdmin: boolean }) {
  const depth = fullPath.split('/').length;
  const pages: { page: ProjectPageName; label: string }[] = [
    { page: 'overview', label: 'Overview' },
    ...(canAdmin ? [{ page: 'settings/access_tokens' as const, label: 'Settings › Access tokens' }] : []),
  ];
  return (
    <>
      <Breadcrumbs
        fullPath={fullPath}
        fullName={project?.name_with_namespace}
        urlOf={(path, i) => (i === depth - 1 ? projectUrl(path) : groupUrl(path))}
        currentIsLast={current === 'overview'}
      />
      <Tabs label="Project" tabs={pages.map(({ page, label }) => ({ label, to: projectUrl(fullPath, page === 'overview' ? '' : page), current: page === current }))} />
    </>
  );
}

const notFound = (fullPath: string) => `Project ${fullPath} was not found, or you cannot see it.`;

/** A project's overview: what it is, where to clone it from, your role. */
export function ProjectPage({ fullPath }: { fullPath: string }) {
  const { project, abilities } = useProject(fullPath);
  useTitle(project.data?.name ?? fullPath);
  return (
    <main id="main">
      <ProjectHeader project={project.data} fullPath={fullPath} current="overview" canAdmin={abilities?.admin_project ?? false} />
      <PageHeading>{project.data?.name ?? fullPath}</PageHeading>
      {project.error ? <Notice kind="error">{project.error.status === 404 ? notFound(fullPath) : project.error.reason}</Notice> : null}
      {project.data ? (
        <>
          <p className="muted">
            <span className="mono">{project.data.path_with_namespace}</span> · <span className="badge">{project.data.visibility}</span>
            {abilities?.access_level ? ` · Your role: ${roleName(abilities.access_level)}` : ''}
            {project.data.description ? <span className="block">{project.data.description}</span> : null}
          </p>
          <section aria-labelledby="clone-title">
            <h2 id="clone-title">Clone with HTTPS</h2>
            <p className="mono small">{project.data.http_url_to_repo}</p>
          </section>
        </>
      ) : null}
    </main>
  );
}

/** Project > Settings > Access tokens: Maintainers and Owners manage the project's tokens (§10). */
export function ProjectAccessTokensPage({ fullPath }: { fullPath: string }) {
  const { project, abilities } = useProject(fullPath);
  useTitle('Access tokens', project.data?.name ?? fullPath);
  const canManage = abilities?.read_resource_access_tokens ?? false;
  return (
    <main id="main">
      <ProjectHeader project={project.data} fullPath={fullPath} current="settings/access_tokens" canAdmin={abilities?.admin_project ?? false} />
      <PageHeading>Project access tokens</PageHeading>
      {project.error ? <Notice kind="error">{project.error.status === 404 ? notFound(fullPath) : project.error.reason}</Notice> : null}
      {project.data && abilities && !canManage ? <RoleRequired resource="project" role="Maintainer" what="view and manage its access tokens" /> : null}
      {project.data && abilities && canManage ? <ProjectTokenManager project={project.data} abilities={abilities} /> : null}
    </main>
  );
}

function ProjectTokenManager({ project, abilities }: { project: Project; abilities: ProjectAbilities }) {
  const base = `${projectApiPath(project.path_with_namespace)}/access_tokens`;
  const source: TokenSource = {
    kind: 'project',
    listPath: base,
    tokenPath: (id) => `${base}/${id}`,
    createPath: base,
    scopes: GROUP_ACCESS_TOKEN_SCOPES,
    maxRole: abilities.access_level,
    creationAllowed: abilities.create_resource_access_token,
    nameHint: 'Visible to anyone who can see this project.',
    lead: (
      <>
        Project access tokens let scripts and services use the API and Git over HTTPS as a bot member of <strong>{project.name_with_namespace}</strong>,
        with the role and scopes you choose.
      </>
    ),
    intro:
      "Each token gets its own bot user, a member of this project with the token's role. Its value is shown only once, right after you create or rotate it. Expired and revoked tokens stay listed below as inactive until the instance's retention period removes them.",
    creationOff:
      'Creating project access tokens is turned off for this group hierarchy (Settings › General of the top-level group). Existing tokens keep working until they expire or are revoked.',
    emptyActive: 'This project has no active access tokens.',
    emptyInactive: 'This project has no revoked or expired access tokens.',
  };
  return <TokenManager source={source} />;
}
