import type { Page } from '../store/repositories/common.js';
import type { TokenFilters } from '../store/repositories/tokens.js';

export type { Page };

/** One page of a list and the size of the whole list (GitLab's X-Total). */
export interface Listed<T> {
  items: T[];
  total: number;
}

/** The filters of every token list (GitLab's PersonalAccessTokensFinder); whose tokens is the use case's business. */
export type TokenListFilters = Omit<TokenFilters, 'userIds'>;

/**
 * A page of a list filtered in memory (the visibility rules need every row), sliced the way the
 * database would, with the size of the whole list.
 */
export function pageOfList<T>(items: T[], page: Page): Listed<T> {
  return { items: items.slice((page.page - 1) * page.perPage, page.page * page.perPage), total: items.length };
}
