import type { Page } from '../store/repositories/common.js';
import type { TokenConditions } from '../store/repositories/tokens.js';

export type { Page };

/**
 * GitLab counts a list only up to this many records: beyond, its offset pagination answers
 * without X-Total, X-Total-Pages and the `rel="last"` link (REST API docs, "Pagination"), so that
 * a long list costs a page, not a count of all its rows.
 */
export const MAX_COUNTED_RECORDS = 10_000;

/**
 * How many rows a list's count needs to read for `page`: one more than GitLab shows (to know that
 * there are more), or, deeper, one past the page (to know whether a next page follows).
 */
export const countLimitOf = (page: Page): number => Math.max(MAX_COUNTED_RECORDS + 1, page.page * page.perPage + 1);

/**
 * One page of a list and its size (GitLab's X-Total). A list of more than MAX_COUNTED_RECORDS may
 * be counted only in part: then `total` is at least that many, and more than the records up to
 * the end of the page whenever a next page follows.
 */
export interface Listed<T> {
  items: T[];
  total: number;
}

/** The filters of every token list (GitLab's PersonalAccessTokensFinder); whose tokens is the use case's business. */
export type TokenListFilters = TokenConditions;

/**
 * A page of a list filtered in memory (the visibility rules need every row), sliced the way the
 * database would, with the size of the whole list.
 */
export function pageOfList<T>(items: T[], page: Page): Listed<T> {
  return { items: items.slice((page.page - 1) * page.perPage, page.page * page.perPage), total: items.length };
}
