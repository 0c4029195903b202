import { useEffect, useState, type FormEvent } from 'react';
import { api, groupApiPath, type Group } from '../api';
import { GroupHeader, RoleRequired } from '../components/GroupHeader';
import { CheckboxField, Notice, PageHeading } from '../components/fields';
import { toApiError, useGroupAbilities, useSession, useTitle } from '../hooks';
import { groupUrl, Link } from '../router';
import { useGroup } from './Group';

/** Group > Settings > General: the token settings of §6. */
export function GroupSettingsPage({ fullPath }: { fullPath: string }) {
  const { user } = useSession();
  const group = useGroup(fullPath);
  const abilities = useGroupAbilities(group.data, user);
  useTitle('General settings', group.data?.name ?? fullPath);
  const isOwner = abilities?.admin_group ?? false;
  return (
    <main id="main">
      <GroupHeader group={group.data} fullPath={fullPath} current="edit" isOwner={isOwner} />
      <PageHeading>General settings</PageHeading>
      {group.error ? <Notice kind="error">{group.error.status === 404 ? `Group ${fullPath} was not found, or you cannot see it.` : group.error.reason}</Notice> : null}
      {group.data && abilities && !isOwner ? <RoleRequired what="change its settings" /> : null}
      {group.data && isOwner ? <SettingsForm key={group.data.id} group={group.data} onSaved={group.reload} /> : null}
    </main>
  );
}

function SettingsForm({ group, onSaved }: { group: Group; onSaved(): void }) {
  const topLevel = group.parent_id === null;
  const [creationAllowed, setCreationAllowed] = useState(group.resource_access_token_creation_allowed);
  const [notifyInherited, setNotifyInherited] = useState(group.resource_access_token_notify_inherited === true);
  const [lockNotify, setLockNotify] = useState(group.lock_resource_access_token_notify_inherited);
  const [status, setStatus] = useState<{ kind: 'success' | 'error'; text: string } | null>(null);
  const [pending, setPending] = useState(false);

  useEffect(() => setStatus(null), [creationAllowed, notifyInherited, lockNotify]);

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    setPending(true);
    try {
      await api.put<Group>(groupApiPath(group.full_path), {
        ...(topLevel ? { resource_access_token_creation_allowed: creationAllowed } : {}),
        resource_access_token_notify_inherited: notifyInherited,
        lock_resource_access_token_notify_inherited: lockNotify,
      });
      setStatus({ kind: 'success', text: `Group '${group.name}' was successfully updated.` });
      onSaved();
    } catch (error) {
      setStatus({ kind: 'error', text: toApiError(error).reason });
    } finally {
      setPending(false);
    }
  };

  const rootPath = group.full_path.split('/')[0]!;
  return (
    <form className="form card" onSubmit={submit} noValidate>
      <h2>Permissions and group features</h2>
      <fieldset>
        <legend>Permissions</legend>
        {topLevel ? (
          <CheckboxField
            id="resource_access_token_creation_allowed"
            label="Users can create project access tokens and group access tokens in this group"
            hint="Applies to this group, its subgroups and their projects. Existing tokens stay valid until they expire or are revoked."
            checked={creationAllowed}
            onChange={(e) => setCreationAllowed(e.target.checked)}
          />
        ) : (
          <p className="hint">
            Whether access tokens can be created here is set by the top-level group, <Link to={groupUrl(rootPath, 'edit')}>{rootPath}</Link>.
          </p>
        )}
      </fieldset>
      <fieldset>
        <legend>Expiry notification emails about group and project access tokens within this group should be sent to:</legend>
        <div className="field radio">
          <input type="radio" id="notify-direct" name="notify" checked={!notifyInherited} onChange={() => setNotifyInherited(false)} />
          <label htmlFor="notify-direct">Only direct members with the Owner role</label>
        </div>
        <div className="field radio">
          <input type="radio" id="notify-inherited" name="notify" checked={notifyInherited} onChange={() => setNotifyInherited(true)} />
          <label htmlFor="notify-inherited">All direct and inherited members of the group with the Owner role</label>
        </div>
        <CheckboxField id="lock_resource_access_token_notify_inherited" label="Enforce for all subgroups" hint="Subgroups cannot choose differently." checked={lockNotify} onChange={(e) => setLockNotify(e.target.checked)} />
      </fieldset>
      <p className="status-line" role="status">
        {status?.kind === 'success' ? status.text : ''}
      </p>
      {status?.kind === 'error' ? <Notice kind="error">{status.text}</Notice> : null}
      <div className="actions">
        <button type="submit" className="button primary" disabled={pending} aria-busy={pending || undefined}>
          Save changes
        </button>
      </div>
    </form>
  );
}
