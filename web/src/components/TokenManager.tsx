import { useEffect, useRef, useState, type ReactNode } from 'react';
import { api, type ListedToken, type NewToken } from '../api';
import { usePaged, type Paged } from '../hooks';
import { ConfirmDialog } from './ConfirmDialog';
import { NewTokenPanel } from './NewTokenPanel';
import { TokenForm, type TokenKind } from './TokenForm';
import { TokenTable } from './TokenTable';
import { Notice, SelectField } from './fields';

/** The rotate dialog's overlap windows (Tollgate's own `grace_period_seconds`, docs/api.md). */
const GRACE_PERIODS: Array<[seconds: number, label: string]> = [
  [0, 'No: it stops working at once'],
  [300, '5 minutes'],
  [3600, '1 hour'],
  [86_400, '24 hours'],
];

/**
 * Everything a token page shows that depends on whose tokens they are: the group's, a project's
 * (with a role each) or the signed-in user's own (without).
 */
export interface TokenSource {
  kind: TokenKind;
  /** The list (GitLab's filters: `state=active|inactive` is added here). */
  listPath: string;
  /** One token: DELETE revokes it, POST …/rotate rotates it. */
  tokenPath(id: number): string;
  createPath: string;
  scopes: readonly string[];
  /** The highest role the creator may give (T8); absent for personal tokens, which have none. */
  maxRole?: number | undefined;
  /** Whether tokens may be created here; undefined while unknown. */
  creationAllowed: boolean | undefined;
  /** What this page is, above the token slot. */
  lead: ReactNode;
  /** The slot's text when nothing is being created. */
  intro: ReactNode;
  /** The slot's text when creation is turned off. */
  creationOff?: ReactNode;
  /** "This group has no active access tokens." and the inactive counterpart. */
  emptyActive: string;
  emptyInactive: string;
  nameHint?: string;
}

type Slot = { kind: 'intro' } | { kind: 'form' } | { kind: 'token'; token: string };
type Pending = { action: 'rotate' | 'revoke'; token: ListedToken } | null;

const withState = (path: string, state: 'active' | 'inactive') => `${path}${path.includes('?') ? '&' : '?'}state=${state}`;

/** Create (shown once), list active and inactive, rotate and revoke: one manager for every kind of token. */
export function TokenManager({ source }: { source: TokenSource }) {
  const { kind } = source;
  const title = `${kind} access tokens`;
  const active = usePaged<ListedToken>(withState(source.listPath, 'active'));
  const inactive = usePaged<ListedToken>(withState(source.listPath, 'inactive'));
  const [slot, setSlot] = useState<Slot>({ kind: 'intro' });
  const [pending, setPending] = useState<Pending>(null);
  const [graceSeconds, setGraceSeconds] = useState(0);
  const [activeOnly, setActiveOnly] = useState(false);
  const [announcement, setAnnouncement] = useState('');
  const activeHeading = useRef<HTMLHeadingElement>(null);
  // After a revocation the focus goes to the active list's heading: in an effect, so after the
  // dialog's own cleanup has handed focus back to the button that opened it.
  const [revocations, setRevocations] = useState(0);
  useEffect(() => {
    if (revocations > 0) activeHeading.current?.focus();
  }, [revocations]);
  const hasRole = source.maxRole !== undefined;

  const reloadLists = () => {
    active.reload();
    inactive.reload();
  };
  const showToken = (created: NewToken) => {
    setSlot({ kind: 'token', token: created.token });
    reloadLists();
  };

  const rotate = async (token: ListedToken) => {
    const rotated = await api.post<NewToken>(`${source.tokenPath(token.id)}/rotate`, graceSeconds > 0 ? { grace_period_seconds: graceSeconds } : {});
    setPending(null);
    showToken(rotated);
    setAnnouncement(`Rotated ${token.name}. The new token is shown once, at the top of the page.`);
  };
  const revoke = async (token: ListedToken) => {
    await api.delete(source.tokenPath(token.id));
    setPending(null);
    reloadLists();
    setAnnouncement(`Revoked ${token.name}.`);
    setRevocations((n) => n + 1);
  };

  const canCreate = source.creationAllowed === true;
  return (
    <>
      <div className="page-header">
        <p className="lead">{source.lead}</p>
        {canCreate ? (
          <button type="button" className="button primary" onClick={() => setSlot({ kind: 'form' })} disabled={slot.kind === 'form'}>
            Add new token
          </button>
        ) : null}
      </div>
      {/* Always as tall as a new token needs (CSS), so a token appearing here never pushes the tables down. */}
      <div className="token-slot">
        {slot.kind === 'form' && canCreate ? (
          <TokenForm
            kind={kind}
            createPath={source.createPath}
            scopes={source.scopes}
            maxRole={source.maxRole}
            nameHint={source.nameHint}
            onCreated={showToken}
            onCancel={() => setSlot({ kind: 'intro' })}
          />
        ) : slot.kind === 'token' ? (
          <NewTokenPanel token={slot.token} label={`Your new ${kind} access token`} />
        ) : source.creationAllowed === false && source.creationOff ? (
          <Notice kind="warning">{source.creationOff}</Notice>
        ) : (
          <p className="muted intro">{source.intro}</p>
        )}
      </div>
      <p className="sr-only" role="status">
        {announcement}
      </p>

      <section aria-labelledby="active-tokens-title">
        <div className="section-header">
          <h2 id="active-tokens-title" ref={activeHeading} tabIndex={-1}>
            Active {title} <Count list={active} />
          </h2>
          <div className="filter">
            <input type="checkbox" id="active-only" checked={activeOnly} onChange={(e) => setActiveOnly(e.target.checked)} />
            <label htmlFor="active-only">Show active tokens only</label>
          </div>
        </div>
        <TokenList
          list={active}
          caption={`Active ${title}`}
          kind="active"
          showRole={hasRole}
          empty={source.emptyActive}
          onRotate={(token) => {
            setGraceSeconds(0);
            setPending({ action: 'rotate', token });
          }}
          onRevoke={(token) => setPending({ action: 'revoke', token })}
        />
      </section>

      {!activeOnly ? (
        <section aria-labelledby="inactive-tokens-title">
          <h2 id="inactive-tokens-title">
            Inactive {title} <Count list={inactive} />
          </h2>
          <TokenList list={inactive} caption={`Inactive ${title}`} kind="inactive" showRole={hasRole} empty={source.emptyInactive} />
        </section>
      ) : null}

      {pending?.action === 'rotate' ? (
        <ConfirmDialog title={`Rotate ${pending.token.name}?`} confirmLabel="Rotate" onConfirm={() => rotate(pending.token)} onClose={() => setPending(null)}>
          <p>
            A new token with the same {hasRole ? 'role and scopes' : 'scopes'} replaces <strong>{pending.token.name}</strong>, which stops working{' '}
            {graceSeconds > 0 ? 'when the overlap below ends' : 'at once'}. This action cannot be undone: tools that use the current value will fail
            until you give them the new one. The new token expires in a week.
          </p>
          <SelectField
            id="rotate-grace-period"
            label="Keep the old value working"
            hint="An overlap window to roll out the new value: the old one keeps working until it ends."
            value={String(graceSeconds)}
            onChange={(event) => setGraceSeconds(Number(event.currentTarget.value))}
          >
            {GRACE_PERIODS.map(([seconds, label]) => (
              <option key={seconds} value={seconds}>
                {label}
              </option>
            ))}
          </SelectField>
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

function Count({ list }: { list: Paged<ListedToken> }) {
  const count = list.total ?? list.data?.length;
  return count === undefined ? null : <span className="badge">{count}</span>;
}

interface TokenListProps {
  list: Paged<ListedToken>;
  caption: string;
  kind: 'active' | 'inactive';
  showRole: boolean;
  empty: string;
  onRotate?(t: ListedToken): void;
  onRevoke?(t: ListedToken): void;
}

function TokenList({ list, caption, kind, showRole, empty, onRotate, onRevoke }: TokenListProps) {
  if (list.error) return <Notice kind="error">{list.error.reason}</Notice>;
  if (!list.data) return <p className="muted">Loading…</p>;
  if (list.data.length === 0) return <p className="muted">{empty}</p>;
  return (
    <>
      <TokenTable tokens={list.data} kind={kind} caption={caption} showRole={showRole} {...(onRotate ? { onRotate } : {})} {...(onRevoke ? { onRevoke } : {})} />
      {list.hasMore ? (
        <button type="button" className="button" onClick={list.loadMore} disabled={list.loadingMore}>
          Show more tokens
        </button>
      ) : null}
    </>
  );
}
