import { useRef, useState } from 'react';
import { api, groupApiPath, type AccessToken, type Group, type NewAccessToken } from '../api';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { GroupHeader, RoleRequired } from '../components/GroupHeader';
import { NewTokenPanel } from '../components/NewTokenPanel';
import { TokenForm } from '../components/TokenForm';
import { TokenTable } from '../components/TokenTable';
import { Notice, PageHeading } from '../components/fields';
import { useGroupAbilities, useLoad, usePaged, useSession, useTitle, type Paged } from '../hooks';
import { groupUrl, Link } from '../router';
import { useGroup } from './Group';

/** Group > Settings > Access tokens. Owners manage tokens; everyone else gets told why they cannot. */
export function AccessTokensPage({ fullPath }: { fullPath: string }) {
  const { user } = useSession();
  const group = useGroup(fullPath);
  const abilities = useGroupAbilities(group.data, user);
  useTitle('Access tokens', group.data?.name ?? fullPath);
  const isOwner = abilities?.read_resource_access_tokens ?? false;
  return (
    <main id="main">
      <GroupHeader group={group.data} fullPath={fullPath} current="settings/access_tokens" isOwner={isOwner} />
      <PageHeading>Group access tokens</PageHeading>
      {group.error ? <Notice kind="error">{group.error.status === 404 ? `Group ${fullPath} was not found, or you cannot see it.` : group.error.reason}</Notice> : null}
      {group.data && abilities && !isOwner ? <RoleRequired what="view and manage its access tokens" /> : null}
      {group.data && abilities && isOwner ? <TokenManager group={group.data} maxRole={abilities.access_level} /> : null}
    </main>
  );
}

/** The top-level group decides whether tokens may be created anywhere below it (§6). */
function useCreationAllowed(group: Group): boolean | undefined {
  const rootPath = group.full_path.split('/')[0]!;
  const root = useLoad(`root:${rootPath}:${group.id}`, async () =>
    group.parent_id === null ? group : await api.get<Group>(groupApiPath(rootPath)),
  );
  return root.data?.resource_access_token_creation_allowed;
}

type Slot = { kind: 'intro' } | { kind: 'form' } | { kind: 'token'; token: string };
type Pending = { action: 'rotate' | 'revoke'; token: AccessToken } | null;

function TokenManager({ group, maxRole }: { group: Group; maxRole: number }) {
  const base = `${groupApiPath(group.full_path)}/access_tokens`;
  const active = usePaged<AccessToken>(`${base}?state=active`);
  const inactive = usePaged<AccessToken>(`${base}?state=inactive`);
  const creationAllowed = useCreationAllowed(group);
  const [slot, setSlot] = useState<Slot>({ kind: 'intro' });
  const [pending, setPending] = useState<Pending>(null);
  const [activeOnly, setActiveOnly] = useState(false);
  const [announcement, setAnnouncement] = useState('');
  const activeHeading = useRef<HTMLHeadingElement>(null);

  const reloadLists = () => {
    active.reload();
    inactive.reload();
  };
  const showToken = (created: NewAccessToken) => {
    setSlot({ kind: 'token', token: created.token });
    reloadLists();
  };

  const rotate = async (token: AccessToken) => {
    const rotated = await api.post<NewAccessToken>(`${base}/${token.id}/rotate`, {});
    setPending(null);
    showToken(rotated);
    setAnnouncement(`Rotated ${token.name}. The new token is shown once, at the top of the page.`);
  };
  const revoke = async (token: AccessToken) => {
    await api.delete(`${base}/${token.id}`);
    setPending(null);
    reloadLists();
    setAnnouncement(`Revoked ${token.name}.`);
    requestAnimationFrame(() => activeHeading.current?.focus());
  };

  const canCreate = creationAllowed === true;
  return (
    <>
      <div className="page-header">
        <p className="lead">
          Group access tokens let scripts and services use the API and Git over HTTPS as a bot member of <strong>{group.full_name}</strong>, with the role
          and scopes you choose.
        </p>
        {canCreate ? (
          <button
            type="button"
            className="button primary"
            onClick={() => setSlot({ kind: 'form' })}
            disabled={slot.kind === 'form'}
          >
            Add new token
          </button>
        ) : null}
      </div>
      {/* Always as tall as a new token needs (CSS), so a token appearing here never pushes the tables down. */}
      <div className="token-slot">
        {slot.kind === 'form' && canCreate ? (
          <TokenForm group={group} maxRole={maxRole} onCreated={showToken} onCancel={() => setSlot({ kind: 'intro' })} />
        ) : slot.kind === 'token' ? (
          <NewTokenPanel token={slot.token} />
        ) : creationAllowed === false ? (
          <Notice kind="warning">
            Creating group access tokens is turned off for this group hierarchy (Settings › General of the top-level group
            {group.parent_id === null ? (
              <>
                , <Link to={groupUrl(group.full_path, 'edit')}>this group</Link>
              </>
            ) : null}
            ). Existing tokens keep working until they expire or are revoked.
          </Notice>
        ) : (
          <p className="muted intro">
            Each token gets its own bot user, a member of this group with the token's role. Its value is shown only once, right after you create or rotate
            it. Expired and revoked tokens stay listed below as inactive until the instance's retention period removes them.
          </p>
        )}
      </div>
      <p className="sr-only" role="status">
        {announcement}
      </p>

      <section aria-labelledby="active-tokens-title">
        <div className="section-header">
          <h2 id="active-tokens-title" ref={activeHeading} tabIndex={-1}>
            Active group access tokens <Count list={active} />
          </h2>
          <div className="filter">
            <input type="checkbox" id="active-only" checked={activeOnly} onChange={(e) => setActiveOnly(e.target.checked)} />
            <label htmlFor="active-only">Show active tokens only</label>
          </div>
        </div>
        <TokenList list={active} kind="active" empty="This group has no active access tokens." onRotate={(token) => setPending({ action: 'rotate', token })} onRevoke={(token) => setPending({ action: 'revoke', token })} />
      </section>

      {!activeOnly ? (
        <section aria-labelledby="inactive-tokens-title">
          <h2 id="inactive-tokens-title">
            Inactive group access tokens <Count list={inactive} />
          </h2>
          <TokenList list={inactive} kind="inactive" empty="This group has no revoked or expired access tokens." />
        </section>
      ) : null}

      {pending?.action === 'rotate' ? (
        <ConfirmDialog title={`Rotate ${pending.token.name}?`} confirmLabel="Rotate" onConfirm={() => rotate(pending.token)} onClose={() => setPending(null)}>
          <p>
            A new token with the same role and scopes replaces <strong>{pending.token.name}</strong>, which stops working at once. This action cannot be
            undone: tools that use the current value will fail until you give them the new one. The new token expires in a week.
          </p>
        </ConfirmDialog>
      ) : null}
      {pending?.action === 'revoke' ? (
        <ConfirmDialog title={`Revoke ${pending.token.name}?`} confirmLabel="Revoke" danger onConfirm={() => revoke(pending.token)} onClose={() => setPending(null)}>
          <p>
            <strong>{pending.token.name}</strong> stops working at once. This action cannot be undone: tools that use it will fail until you give them a
            new token.
          </p>
        </ConfirmDialog>
      ) : null}
    </>
  );
}

function Count({ list }: { list: Paged<AccessToken> }) {
  const count = list.total ?? list.data?.length;
  return count === undefined ? null : <span className="badge">{count}</span>;
}

function TokenList({ list, kind, empty, onRotate, onRevoke }: { list: Paged<AccessToken>; kind: 'active' | 'inactive'; empty: string; onRotate?(t: AccessToken): void; onRevoke?(t: AccessToken): void }) {
  if (list.error) return <Notice kind="error">{list.error.reason}</Notice>;
  if (!list.data) return <p className="muted">Loading…</p>;
  if (list.data.length === 0) return <p className="muted">{empty}</p>;
  return (
    <>
      <TokenTable tokens={list.data} kind={kind} caption={kind === 'active' ? 'Active group access tokens' : 'Inactive group access tokens'} {...(onRotate ? { onRotate } : {})} {...(onRevoke ? { onRevoke } : {})} />
      {list.hasMore ? (
        <button type="button" className="button" onClick={list.loadMore} disabled={list.loadingMore}>
          Show more tokens
        </button>
      ) : null}
    </>
  );
}
