import { useSyncExternalStore, type AnchorHTMLAttributes, type MouseEvent } from 'react';

/** A router of a few lines: the History API, and a store React can subscribe to. */
const listeners = new Set<() => void>();
const notify = () => listeners.forEach((listener) => listener());
window.addEventListener('popstate', notify);

function subscribe(listener: () => void) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function navigate(to: string, options: { replace?: boolean } = {}): void {
  if (options.replace) history.replaceState(null, '', to);
  else history.pushState(null, '', to);
  window.scrollTo(0, 0);
  notify();
}

const currentUrl = () => location.pathname + location.search;

export function useUrl(): URL {
  const href = useSyncExternalStore(subscribe, currentUrl);
  return new URL(href, location.origin);
}

export function Link({ to, onClick, ...props }: AnchorHTMLAttributes<HTMLAnchorElement> & { to: string }) {
  const follow = (event: MouseEvent<HTMLAnchorElement>) => {
    onClick?.(event);
    // Let the browser handle new tabs and windows.
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    navigate(to);
  };
  return <a href={to} onClick={follow} {...props} />;
}

/** `/groups/a/b/-/settings/access_tokens` → the group's full path and what follows `/-/`. */
export function parseGroupUrl(pathname: string): { fullPath: string; page: string } | null {
  const match = /^\/groups\/(.+?)(?:\/-\/(.*))?\/?$/.exec(pathname);
  if (!match) return null;
  return { fullPath: decodeURIComponent(match[1]!), page: match[2] ?? '' };
}

export const groupUrl = (fullPath: string, page = '') => `/groups/${fullPath}${page ? `/-/${page}` : ''}`;

/** Only same-site paths are followed after sign-in (no open redirect). */
export function safeRedirect(target: string | null): string {
  return target && target.startsWith('/') && !target.startsWith('//') && !target.startsWith('/\\') ? target : '/groups';
}

/**
 * `/group/sub/project` and `/group/sub/project/-/settings/access_tokens` (GitLab's project paths):
 * the project's full path (two segments at least) and what follows `/-/`. Asked after every other
 * page, so `/groups/…`, `/admin/…` and `/-/…` never reach it.
 */
export function parseProjectUrl(pathname: string): { fullPath: string; page: string } | null {
  const match = /^\/([^/-][^/]*(?:\/[^/]+)+?)(?:\/-\/(.*?))?\/?$/.exec(pathname);
  if (!match) return null;
  return { fullPath: decodeURIComponent(match[1]!), page: match[2] ?? '' };
}

export const projectUrl = (fullPath: string, page = '') => `/${fullPath}${page ? `/-/${page}` : ''}`;
