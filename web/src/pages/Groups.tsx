import { useState } from 'react';
import type { Group } from '../api';
import { NewGroupForm } from '../components/NewGroupForm';
import { Notice, PageHeading } from '../components/fields';
import { usePaged, useTitle } from '../hooks';
import { groupUrl, Link, navigate } from '../router';

/** The groups the signed-in user is a member of (directly or through a parent group). */
export function Groups() {
  useTitle('Groups');
  const groups = usePaged<Group>('/groups?min_access_level=10');
  const [creating, setCreating] = useState(false);
  return (
    <main id="main">
      <div className="page-header">
        <PageHeading>Groups</PageHeading>
        {!creating ? (
          <button type="button" className="button primary" onClick={() => setCreating(true)}>
            New group
          </button>
        ) : null}
      </div>
      {creating ? <NewGroupForm onCreated={(group) => navigate(groupUrl(group.full_path))} onCancel={() => setCreating(false)} /> : null}
      <GroupList groups={groups.data} error={groups.error?.reason} loading={groups.loading} empty="You are not a member of any group yet. Create one to get started." />
      {groups.hasMore ? (
        <button type="button" className="button" onClick={groups.loadMore} disabled={groups.loadingMore}>
          Show more groups
        </button>
      ) : null}
    </main>
  );
}

export function GroupList({ groups, error, loading, empty, label = 'Your groups' }: { groups: Group[] | undefined; error?: string | undefined; loading: boolean; empty: string; label?: string }) {
  if (error) return <Notice kind="error">{error}</Notice>;
  if (!groups) return <p className="muted" aria-busy={loading}>Loading…</p>;
  if (groups.length === 0) return <p className="muted">{empty}</p>;
  return (
    <ul className="item-list" aria-label={label}>
      {groups.map((group) => (
        <li key={group.id}>
          <div>
            <Link to={groupUrl(group.full_path)} className="item-title">
              {group.full_name}
            </Link>
            <span className="badge">{group.visibility}</span>
          </div>
          <div className="muted mono small">{group.full_path}</div>
          {group.description ? <p className="small">{group.description}</p> : null}
        </li>
      ))}
    </ul>
  );
}
