import type { AccessToken } from '../api';
import { formatDate, roleName } from '../format';

interface TokenTableProps {
  tokens: AccessToken[];
  kind: 'active' | 'inactive';
  caption: string;
  onRotate?(token: AccessToken): void;
  onRevoke?(token: AccessToken): void;
}

/** When an inactive token stopped working: revoked (with the date when the server gives it) or expired. */
function inactiveSince(token: AccessToken): string {
  if (token.revoked) return token.revoked_at ? `Revoked ${formatDate(token.revoked_at)}` : 'Revoked';
  return `Expired ${formatDate(token.expires_at)}`;
}

/** A table on wide screens, one card per token on a phone (the cells carry their column names). */
export function TokenTable({ tokens, kind, caption, onRotate, onRevoke }: TokenTableProps) {
  const active = kind === 'active';
  return (
    <div className="table-wrap">
      <table className="tokens">
        <caption className="sr-only">{caption}</caption>
        <thead>
          <tr>
            <th scope="col">Token name</th>
            <th scope="col">Description</th>
            <th scope="col">Scopes</th>
            <th scope="col">Created</th>
            <th scope="col">Last used</th>
            <th scope="col">{active ? 'Expires' : 'Revoked or expired'}</th>
            <th scope="col">Role</th>
            {active ? (
              <th scope="col">
                <span className="sr-only">Actions</span>
              </th>
            ) : null}
          </tr>
        </thead>
        <tbody>
          {tokens.map((token) => (
            <tr key={token.id}>
              <th scope="row" data-label="Token name" className="token-name">
                {token.name}
              </th>
              <td data-label="Description">{token.description || <span className="muted">—</span>}</td>
              <td data-label="Scopes" className="mono small">
                {token.scopes.join(', ')}
              </td>
              <td data-label="Created">{formatDate(token.created_at)}</td>
              <td data-label="Last used">{formatDate(token.last_used_at)}</td>
              <td data-label={active ? 'Expires' : 'Revoked or expired'}>{active ? formatDate(token.expires_at) : inactiveSince(token)}</td>
              <td data-label="Role">{roleName(token.access_level)}</td>
              {active ? (
                <td className="row-actions">
                  <button type="button" className="button small" aria-label={`Rotate ${token.name}`} onClick={() => onRotate?.(token)}>
                    Rotate
                  </button>
                  <button type="button" className="button small danger-outline" aria-label={`Revoke ${token.name}`} onClick={() => onRevoke?.(token)}>
                    Revoke
                  </button>
                </td>
              ) : null}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
