import { useCallback, useEffect, useId, useMemo, useRef, useState } from 'react';
import { api, onUnauthorized, setCsrfToken, type Session, type User } from './api';
import { PageHeading } from './components/fields';
import { SessionContext, toApiError, useTitle, type SessionState } from './hooks';
import { AccessTokensPage } from './pages/AccessTokens';
import { AdminSettingsPage } from './pages/AdminSettings';
import { GroupPage } from './pages/Group';
import { Groups } from './pages/Groups';
import { GroupSettingsPage } from './pages/GroupSettings';
import { PERSONAL_ACCESS_TOKENS_URL, PersonalAccessTokensPage } from './pages/PersonalAccessTokens';
import { ProjectAccessTokensPage, ProjectPage } from './pages/Project';
import { SignIn } from './pages/SignIn';
import { Link, navigate, parseGroupUrl, parseProjectUrl, safeRedirect, useUrl } from './router';

const SIGN_IN = '/users/sign_in';

type Auth = { state: 'loading' } | { state: 'signed-out'; error?: string } | { state: 'signed-in'; user: User };

export function App() {
  const url = useUrl();
  const [auth, setAuth] = useState<Auth>({ state: 'loading' });

  const checkSession = useCallback(async () => {
    try {
      const session = await api.get<Session>('/session');
      setCsrfToken(session.csrf_token);
      setAuth({ state: 'signed-in', user: session.user });
    } catch (error) {
      setCsrfToken(null);
      const failure = toApiError(error);
      setAuth(failure.status === 401 ? { state: 'signed-out' } : { state: 'signed-out', error: failure.reason });
    }
  }, []);

  useEffect(() => {
    void checkSession();
    // A 401 elsewhere may mean the session ended (or just a missing role: GitLab answers 401 for
    // some of those), so ask the session endpoint rather than guessing.
    onUnauthorized(() => void checkSession());
  }, [checkSession]);

  // Signed-out visitors go to the sign-in page and come back where they were going.
  useEffect(() => {
    if (auth.state === 'signed-out' && url.pathname !== SIGN_IN) {
      navigate(`${SIGN_IN}?redirect=${encodeURIComponent(url.pathname + url.search)}`, { replace: true });
    }
    if (auth.state === 'signed-in' && url.pathname === SIGN_IN) navigate(safeRedirect(url.searchParams.get('redirect')), { replace: true });
  }, [auth, url]);

  const signOut = useCallback(async () => {
    try {
      await api.delete('/session');
    } finally {
      setCsrfToken(null);
      setAuth({ state: 'signed-out' });
    }
  }, []);
  const session = useMemo<SessionState | null>(() => (auth.state === 'signed-in' ? { user: auth.user, signOut } : null), [auth, signOut]);

  if (auth.state === 'loading') return <main id="main" aria-busy="true" />;
  if (auth.state === 'signed-out' || !session) {
    return url.pathname === SIGN_IN ? <SignIn onSignedIn={(s) => setAuth({ state: 'signed-in', user: s.user })} /> : <main id="main" aria-busy="true" />;
  }
  return (
    <SessionContext.Provider value={session}>
      <a href="#main" className="skip-link">
        Skip to main content
      </a>
      <Header user={session.user} onSignOut={signOut} />
      <div className="content">
        <Page pathname={url.pathname} />
      </div>
    </SessionContext.Provider>
  );
}

function Header({ user, onSignOut }: { user: User; onSignOut(): Promise<void> }) {
  return (
    <header className="top-bar">
      <Link to="/groups" className="brand">
        Tollgate
      </Link>
      <nav aria-label="Main">
        <ul>
          <li>
            <Link to="/groups">Groups</Link>
          </li>
          {user.is_admin ? (
            <li>
              <Link to="/admin/application_settings">Admin</Link>
            </li>
          ) : null}
        </ul>
      </nav>
      <div className="user-menu">
        <UserMenu user={user} />
        <button type="button" className="button small" onClick={() => void onSignOut()}>
          Sign out
        </button>
      </div>
    </header>
  );
}

/**
 * The signed-in name opens GitLab's user menu: a disclosure button and a list of links (Escape or
 * a click elsewhere closes it, focus returning to the button).
 */
function UserMenu({ user }: { user: User }) {
  const [open, setOpen] = useState(false);
  const menuId = useId();
  const container = useRef<HTMLDivElement>(null);
  const button = useRef<HTMLButtonElement>(null);
  const url = useUrl();
  useEffect(() => setOpen(false), [url.pathname]);
  useEffect(() => {
    if (!open) return;
    const closeOutside = (event: MouseEvent) => {
      if (!container.current?.contains(event.target as Node)) setOpen(false);
    };
    document.addEventListener('mousedown', closeOutside);
    return () => document.removeEventListener('mousedown', closeOutside);
  }, [open]);
  return (
    <div
      className="menu"
      ref={container}
      onKeyDown={(event) => {
        if (event.key === 'Escape' && open) {
          setOpen(false);
          button.current?.focus();
        }
      }}
    >
      <button ref={button} type="button" className="button small menu-button" aria-expanded={open} aria-controls={open ? menuId : undefined} onClick={() => setOpen((o) => !o)}>
        <span className="sr-only">User menu: </span>
        <span title={user.name}>{user.username}</span>
        <span aria-hidden="true"> ▾</span>
      </button>
      {open ? (
        <nav id={menuId} aria-label="User" className="menu-list">
          <p className="menu-heading">
            <strong>{user.name}</strong>
            <span className="muted small block">@{user.username}</span>
          </p>
          <ul>
            <li>
              <Link to={PERSONAL_ACCESS_TOKENS_URL}>Preferences</Link>
            </li>
            <li>
              <Link to={PERSONAL_ACCESS_TOKENS_URL}>Access tokens</Link>
            </li>
          </ul>
        </nav>
      ) : null}
    </div>
  );
}

function Page({ pathname }: { pathname: string }) {
  if (pathname === '/' || pathname === '/groups' || pathname === '/groups/') return <Groups />;
  if (pathname === '/admin' || pathname === '/admin/' || pathname === '/admin/application_settings') return <AdminSettingsPage />;
  const group = parseGroupUrl(pathname);
  if (group) {
    // Keyed by group: moving between groups starts each page afresh.
    if (group.page === '') return <GroupPage key={group.fullPath} fullPath={group.fullPath} />;
    if (group.page === 'settings/access_tokens') return <AccessTokensPage key={group.fullPath} fullPath={group.fullPath} />;
    if (group.page === 'edit') return <GroupSettingsPage key={group.fullPath} fullPath={group.fullPath} />;
    return <NotFound />;
  }
  if (pathname === PERSONAL_ACCESS_TOKENS_URL) return <PersonalAccessTokensPage />;
  const project = pathname.startsWith('/-/') || pathname.startsWith('/admin/') || pathname.startsWith('/users/') ? null : parseProjectUrl(pathname);
  if (project) {
    if (project.page === '') return <ProjectPage key={project.fullPath} fullPath={project.fullPath} />;
    if (project.page === 'settings/access_tokens') return <ProjectAccessTokensPage key={project.fullPath} fullPath={project.fullPath} />;
  }
  return <NotFound />;
}

function NotFound() {
  useTitle('Not found');
  return (
    <main id="main">
      <PageHeading>Page not found</PageHeading>
      <p>
        There is nothing at this address. <Link to="/groups">Go to your groups</Link>.
      </p>
    </main>
  );
}
