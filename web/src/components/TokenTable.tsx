import type { ListedToken } from '../api';
import { formatDate, formatUtcTime, roleName } from '../format';

interface TokenTableProps {
  tokens: ListedToken[];
  kind: 'active' | 'inactive';
  caption: string;
  /** The Role column: group and project access tokens have a role, personal ones do not. */
  showRole: boolean;
  onRotate?(token: ListedToken): void;
  onRevoke?(token: ListedToken): void;
}

/** When an inactive token stopped working: revoked (with the date when the server gives it) or expired. */
function inactiveSince(token: ListedToken): string {
  if (token.revoked) return token.revoked_at ? `Revoked ${formatDate(token.revoked_at)}` : 'Revoked';
  return `Expired ${formatDate(token.expires_at)}`;
}

/** A table on wide screens, one card per token on a phone (the cells carry their column names). */
export function TokenTable({ tokens, kind, caption, showRole, onRotate, onRevoke }: TokenTableProps) {
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
            <th scope="col">Allowed from</th>
            {showRole ? <th scope="col">Role</th> : null}
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
              <td data-label={active ? 'Expires' : 'Revoked or expired'}>
                {active ? formatDate(token.expires_at) : inactiveSince(token)}
                {active && token.rotation_grace_ends_at ? (
                  <span className="hint grace">Rotated: old value works until {formatUtcTime(token.rotation_grace_ends_at)}</span>
                ) : null}
              </td>
              <td data-label="Allowed from" className="mono small">
                {token.allowed_cidrs.length === 0 ? <span className="muted">Anywhere</span> : token.allowed_cidrs.join(', ')}
              </td>
              {showRole ? <td data-label="Role">{token.access_level === undefined ? '' : roleName(token.access_level)}</td> : null}
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
