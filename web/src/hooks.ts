import { createContext, useCallback, useContext, useEffect, useRef, useState } from 'react';
import { ApiError, api, groupApiPath, projectApiPath, request, type Group, type GroupAbilities, type Project, type ProjectAbilities, type User } from './api';

export interface SessionState {
  user: User;
  signOut(): Promise<void>;
}

export const SessionContext = createContext<SessionState | null>(null);

export function useSession(): SessionState {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside a signed-in page');
  return session;
}

export interface Loaded<T> {
  data: T | undefined;
  error: ApiError | null;
  loading: boolean;
  reload(): void;
}

/** Loads once per `key`; a newer load wins over a slower older one. */
export function useLoad<T>(key: string, load: () => Promise<T>): Loaded<T> {
  const [state, setState] = useState<{ data: T | undefined; error: ApiError | null; loading: boolean }>({ data: undefined, error: null, loading: true });
  const [generation, setGeneration] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;
  useEffect(() => {
    let current = true;
    setState((s) => ({ ...s, loading: true }));
    loadRef.current().then(
      (data) => current && setState({ data, error: null, loading: false }),
      (error: unknown) => current && setState({ data: undefined, error: toApiError(error), loading: false }),
    );
    return () => {
      current = false;
    };
  }, [key, generation]);
  const reload = useCallback(() => setGeneration((g) => g + 1), []);
  return { ...state, reload };
}

export function toApiError(error: unknown): ApiError {
  return error instanceof ApiError ? error : new ApiError(0, error instanceof Error ? error.message : String(error));
}

export interface Paged<T> extends Loaded<T[]> {
  total: number | null;
  hasMore: boolean;
  loadingMore: boolean;
  loadMore(): void;
}

const PER_PAGE = 100;

/** A paginated list (GitLab's X-Next-Page / X-Total headers): the first page at once, more on request. */
export function usePaged<T>(path: string): Paged<T> {
  const [more, setMore] = useState<{ items: T[]; nextPage: string | null; loading: boolean }>({ items: [], nextPage: null, loading: false });
  const [total, setTotal] = useState<number | null>(null);
  const pageUrl = (page: string) => `${path}${path.includes('?') ? '&' : '?'}per_page=${PER_PAGE}&page=${page}`;
  const first = useLoad(path, async () => {
    const { data, headers } = await request<T[]>('GET', pageUrl('1'));
    setTotal(headers.get('x-total') ? Number(headers.get('x-total')) : null);
    setMore({ items: [], nextPage: headers.get('x-next-page') || null, loading: false });
    return data;
  });
  const loadMore = () => {
    if (!more.nextPage || more.loading) return;
    setMore((m) => ({ ...m, loading: true }));
    request<T[]>('GET', pageUrl(more.nextPage)).then(
      ({ data, headers }) => setMore((m) => ({ items: [...m.items, ...data], nextPage: headers.get('x-next-page') || null, loading: false })),
      () => setMore((m) => ({ ...m, loading: false })),
    );
  };
  return {
    ...first,
    data: first.data && [...first.data, ...more.items],
    total,
    hasMore: more.nextPage !== null,
    loadingMore: more.loading,
    loadMore,
  };
}

/** What the signed-in user may do on a resource (`GET <resource>/abilities`), as the server decides it; undefined while loading. */
function useAbilities<T>(resourcePath: string | undefined, user: User): T | undefined {
  const { data } = useLoad(resourcePath ? `abilities:${resourcePath}:${user.id}` : '', async () =>
    resourcePath ? api.get<T>(`${resourcePath}/abilities`) : undefined,
  );
  return data;
}

/** GET /groups/:id/abilities. */
export const useGroupAbilities = (group: Group | undefined, user: User) => useAbilities<GroupAbilities>(group && groupApiPath(group.full_path), user);

/** GET /projects/:id/abilities. */
export const useProjectAbilities = (project: Project | undefined, user: User) =>
  useAbilities<ProjectAbilities>(project && projectApiPath(project.path_with_namespace), user);

/** Sets the document title, GitLab style: "Page · Group · Tollgate". */
export function useTitle(...parts: (string | undefined)[]): void {
  const title = [...parts.filter(Boolean), 'Tollgate'].join(' · ');
  useEffect(() => {
    document.title = title;
  }, [title]);
}
