import { GROUP_ACCESS_TOKEN_SCOPES } from '../../../src/domain/scopes.js';
import { api, groupApiPath, type Group } from '../api';
import { GroupHeader, RoleRequired } from '../components/GroupHeader';
import { TokenManager, type TokenSource } from '../components/TokenManager';
import { Notice, PageHeading } from '../components/fields';
import { useGroupAbilities, useLoad, useSession, useTitle } from '../hooks';
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
      {group.data && abilities && isOwner ? <GroupTokenManager group={group.data} maxRole={abilities.access_level} /> : null}
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

function GroupTokenManager({ group, maxRole }: { group: Group; maxRole: number }) {
  const base = `${groupApiPath(group.full_path)}/access_tokens`;
  const creationAllowed = useCreationAllowed(group);
  const source: TokenSource = {
    kind: 'group',
    listPath: base,
    tokenPath: (id) => `${base}/${id}`,
    createPath: base,
    scopes: GROUP_ACCESS_TOKEN_SCOPES,
    maxRole,
    creationAllowed,
    nameHint: 'Visible to anyone who can see this group.',
    lead: (
      <>
        Group access tokens let scripts and services use the API and Git over HTTPS as a bot member of <strong>{group.full_name}</strong>, with the role
        and scopes you choose.
      </>
    ),
    intro:
      "Each token gets its own bot user, a member of this group with the token's role. Its value is shown only once, right after you create or rotate it. Expired and revoked tokens stay listed below as inactive until the instance's retention period removes them.",
    creationOff: (
      <>
        Creating group access tokens is turned off for this group hierarchy (Settings › General of the top-level group
        {group.parent_id === null ? (
          <>
            , <Link to={groupUrl(group.full_path, 'edit')}>this group</Link>
          </>
        ) : null}
        ). Existing tokens keep working until they expire or are revoked.
      </>
    ),
    emptyActive: 'This group has no active access tokens.',
    emptyInactive: 'This group has no revoked or expired access tokens.',
  };
  return <TokenManager source={source} />;
}
