import type { Group } from '../api';
import { groupUrl, Link } from '../router';

type GroupPage = 'overview' | 'edit' | 'settings/access_tokens';

/** Breadcrumbs from the top-level group down, and the group's pages (settings only for Owners). */
export function GroupHeader({ group, fullPath, current, isOwner }: { group: Group | undefined; fullPath: string; current: GroupPage; isOwner: boolean }) {
  const paths = fullPath.split('/');
  const names = group?.full_name.split(' / ') ?? [];
  const crumbs = paths.map((_, i) => ({ path: paths.slice(0, i + 1).join('/'), name: names.length === paths.length ? names[i]! : paths[i]! }));
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
      <nav aria-label="Breadcrumb" className="breadcrumbs">
        <ol>
          <li>
            <Link to="/groups">Groups</Link>
          </li>
          {crumbs.map((crumb) => (
            <li key={crumb.path}>
              <Link to={groupUrl(crumb.path)} aria-current={crumb.path === fullPath && current === 'overview' ? 'page' : undefined}>
                {crumb.name}
              </Link>
            </li>
          ))}
        </ol>
      </nav>
      <nav aria-label="Group" className="tabs">
        <ul>
          {tabs.map((tab) => (
            <li key={tab.page}>
              <Link to={tab.page === 'overview' ? groupUrl(fullPath) : groupUrl(fullPath, tab.page)} aria-current={tab.page === current ? 'page' : undefined}>
                {tab.label}
              </Link>
            </li>
          ))}
        </ul>
      </nav>
    </>
  );
}

/** What a signed-in user without the needed role sees instead of a broken page. */
export function RoleRequired({ what, role = 'Owner' }: { what: string; role?: string }) {
  return (
    <div className="notice notice-info" role="status">
      <p>
        <strong>You need the {role} role in this group to {what}.</strong>
      </p>
      <p>Ask an Owner of the group to do it for you, or to give you the {role} role.</p>
    </div>
  );
}
