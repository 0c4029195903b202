import { useState } from 'react';
import { api, groupApiPath, type Group, type Project } from '../api';
import { GroupHeader } from '../components/GroupHeader';
import { NewGroupForm } from '../components/NewGroupForm';
import { Notice, PageHeading } from '../components/fields';
import { roleName } from '../format';
import { useGroupAbilities, useLoad, usePaged, useSession, useTitle } from '../hooks';
import { groupUrl, Link, navigate, projectUrl } from '../router';
import { GroupList } from './Groups';

/** Loads a group by its full path; shared by every group page. */
export function useGroup(fullPath: string) {
  return useLoad(`group:${fullPath}`, () => api.get<Group>(groupApiPath(fullPath)));
}

export function GroupPage({ fullPath }: { fullPath: string }) {
  const { user } = useSession();
  const group = useGroup(fullPath);
  const abilities = useGroupAbilities(group.data, user);
  useTitle(group.data?.name ?? fullPath);
  const subgroups = usePaged<Group>(`${groupApiPath(fullPath)}/subgroups`);
  const projects = usePaged<Project>(`${groupApiPath(fullPath)}/projects`);
  const [creating, setCreating] = useState(false);

  return (
    <main id="main">
      <GroupHeader group={group.data} fullPath={fullPath} current="overview" isOwner={abilities?.admin_group ?? false} />
      <div className="page-header">
        <PageHeading>{group.data?.name ?? fullPath}</PageHeading>
        {group.data && abilities?.create_subgroup && !creating ? (
          <button type="button" className="button" onClick={() => setCreating(true)}>
            New subgroup
          </button>
        ) : null}
      </div>
      {group.error ? (
        <Notice kind="error">{group.error.status === 404 ? `Group ${fullPath} was not found, or you cannot see it.` : group.error.reason}</Notice>
      ) : null}
      {group.data ? (
        <p className="muted">
          <span className="mono">{group.data.full_path}</span> · <span className="badge">{group.data.visibility}</span>
          {abilities?.access_level ? ` · Your role: ${roleName(abilities.access_level)}` : ''}
          {group.data.description ? <span className="block">{group.data.description}</span> : null}
        </p>
      ) : null}
      {creating && group.data ? (
        <NewGroupForm parent={group.data} onCreated={(created) => navigate(groupUrl(created.full_path))} onCancel={() => setCreating(false)} />
      ) : null}
      {group.data ? (
        <>
          <section aria-labelledby="subgroups-title">
            <h2 id="subgroups-title">Subgroups</h2>
            <GroupList groups={subgroups.data} error={subgroups.error?.reason} loading={subgroups.loading} empty="This group has no subgroups." label="Subgroups" />
            {subgroups.hasMore ? (
              <button type="button" className="button" onClick={subgroups.loadMore}>
                Show more subgroups
              </button>
            ) : null}
          </section>
          <section aria-labelledby="projects-title">
            <h2 id="projects-title">Projects</h2>
            {projects.error ? <Notice kind="error">{projects.error.reason}</Notice> : null}
            {projects.data && projects.data.length === 0 ? <p className="muted">This group has no projects.</p> : null}
            {projects.data && projects.data.length > 0 ? (
              <ul className="item-list" aria-label="Projects">
                {projects.data.map((project) => (
                  <li key={project.id}>
                    <div>
                      <Link to={projectUrl(project.path_with_namespace)} className="item-title">
                        {project.name}
                      </Link>
                      <span className="badge">{project.visibility}</span>
                    </div>
                    <div className="muted mono small">{project.path_with_namespace}</div>
                    {project.description ? <p className="small">{project.description}</p> : null}
                  </li>
                ))}
              </ul>
            ) : null}
            {projects.hasMore ? (
              <button type="button" className="button" onClick={projects.loadMore}>
                Show more projects
              </button>
            ) : null}
          </section>
        </>
      ) : null}
    </main>
  );
}
