import { ADMIN_SCOPES, PERSONAL_ACCESS_TOKEN_SCOPES } from '../../../src/domain/scopes.js';
import { TokenManager, type TokenSource } from '../components/TokenManager';
import { PageHeading } from '../components/fields';
import { useSession, useTitle } from '../hooks';

/** GitLab's path of User Settings > Personal access tokens. */
export const PERSONAL_ACCESS_TOKENS_URL = '/-/user_settings/personal_access_tokens';

/** User Settings > Personal access tokens: the signed-in user's own tokens (administrators may add the admin scopes). */
export function PersonalAccessTokensPage() {
  const { user } = useSession();
  useTitle('Personal access tokens', 'User settings');
  const source: TokenSource = {
    kind: 'personal',
    listPath: `/personal_access_tokens?user_id=${user.id}`,
    tokenPath: (id) => `/personal_access_tokens/${id}`,
    createPath: '/user/personal_access_tokens',
    scopes: user.is_admin ? [...PERSONAL_ACCESS_TOKEN_SCOPES, ...ADMIN_SCOPES] : PERSONAL_ACCESS_TOKEN_SCOPES,
    creationAllowed: true,
    lead: (
      <>
        You can generate a personal access token for each application you use that needs access to the API, or to Git over HTTPS as{' '}
        <strong>{user.username}</strong>.
      </>
    ),
    intro:
      "A token acts as you, with the scopes you choose. Its value is shown only once, right after you create or rotate it. Expired and revoked tokens stay listed below as inactive.",
    emptyActive: 'You have no active personal access tokens.',
    emptyInactive: 'You have no revoked or expired personal access tokens.',
  };
  return (
    <main id="main">
      <nav aria-label="Breadcrumb" className="breadcrumbs">
        <ol>
          <li>User settings</li>
          <li>
            <span aria-current="page">Access tokens</span>
          </li>
        </ol>
      </nav>
      <PageHeading>Personal access tokens</PageHeading>
      <TokenManager source={source} />
    </main>
  );
}
