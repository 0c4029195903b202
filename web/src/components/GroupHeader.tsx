import type { Group } from '../api';
import { groupUrl, Link } from '../router';

type GroupPage = 'overview' | 'edit' | 'settings/access_tokens';

export interface Tab {
  label: string;
  to: string;
  current: boolean;
}

/**
 * Breadcrumbs from the top-level group down to `fullPath` (a group's, or a project's whose last
 * segment is the project), named by `fullName` ("Top / Sub / Project") once it is known.
 */
export function Breadcrumbs({ fullPath, fullName, urlOf, currentIsLast }: { fullPath: string; fullName: string | undefined; urlOf(path: string, depth: number): string; currentIsLast: boolean }) {
  const paths = fullPath.split('/');
  const names = fullName?.split(' / ') ?? [];
  const crumbs = paths.map((_, i) => ({ path: paths.slice(0, i + 1).join('/'), name: names.length === paths.length ? names[i]! : paths[i]! }));
  return (
    <nav aria-label="Breadcrumb" className="breadcrumbs">
      <ol>
        <li>
          <Link to="/groups">Groups</Link>
        </li>
        {crumbs.map((crumb, i) => (
          <li key={crumb.path}>
            <Link to={urlOf(crumb.path, i)} aria-current={crumb.path === fullPath && currentIsLast ? 'page' : undefined}>
              {crumb.name}
            </Link>
          </li>
        ))}
      </ol>
    </nav>
  );
}

/** A resource's pages, the current one marked. */
export function Tabs({ label, tabs }: { label: string; tabs: Tab[] }) {
  return (
    <nav aria-label={label} className="tabs">
      <ul>
        {tabs.map((tab) => (
          <li key={tab.to}>
            <Link to={tab.to} aria-current={tab.current ? 'page' : undefined}>
              {tab.label}
            </Link>
          </li>
        ))}
      </ul>
    </nav>
  );
}

/** Breadcrumbs from the top-level group down, and the group's pages (settings only for Owners). */
export function GroupHeader({ group, fullPath, current, isOwner }: { group: Group | undefined; fullPath: string; current: GroupPage; isOwner: boolean }) {
  const tabs: { page: GroupPage; label: string }[] = [
    { page: 'overview', label: 'Overview' },
    ...(isOwner
      ? ([
          { page: 'edit', label: 'Settings › General' },
          { page: 'settings/access_tokens', label: 'Settings › Access tokens' },
        ] as const)
      : []),
  ];
  return (
    <>
      <Breadcrumbs fullPath={fullPath} fullName={group?.full_name} urlOf={(path) => groupUrl(path)} currentIsLast={current === 'overview'} />
      <Tabs
        label="Group"
        tabs={tabs.map((tab) => ({ label: tab.label, to: tab.page === 'overview' ? groupUrl(fullPath) : groupUrl(fullPath, tab.page), current: tab.page === current }))}
      />
    </>
  );
}

/** What a signed-in user without the needed role sees instead of a broken page. */
export function RoleRequired({ what, role = 'Owner', resource = 'group' }: { what: string; role?: string; resource?: 'group' | 'project' }) {
  return (
    <div className="notice notice-info" role="status">
      <p>
        <strong>
          You need the {role} role in this {resource} to {what}.
        </strong>
      </p>
      <p>
        Ask {role === 'Owner' ? 'an Owner' : `a ${role} or an Owner`} of the {resource} to do it for you, or to give you the {role} role.
      </p>
    </div>
  );
}
