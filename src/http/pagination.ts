import type { FastifyReply, FastifyRequest } from 'fastify';
import { MAX_COUNTED_RECORDS, type Page } from '../services/lists.js';
import { SECRET_PARAMS } from './redaction.js';

const DEFAULT_PER_PAGE = 20;
const MAX_PER_PAGE = 100;

export function pageOf(query: { page?: number | undefined; per_page?: number | undefined }): Page {
  return { page: query.page ?? 1, perPage: Math.min(query.per_page ?? DEFAULT_PER_PAGE, MAX_PER_PAGE) };
}

/**
 * GitLab's offset pagination headers, with an absolute `Link` built from the external URL that
 * keeps every original query parameter (§2.1). A list of more than MAX_COUNTED_RECORDS goes
 * without X-Total, X-Total-Pages and `rel="last"`, as GitLab's does; `total` (perhaps counted only
 * in part, services/lists.ts) still tells whether a next page follows.
 */
export function setPaginationHeaders(request: FastifyRequest, reply: FastifyReply, externalUrl: string, page: Page, total: number): void {
  const counted = total <= MAX_COUNTED_RECORDS;
  const totalPages = Math.max(Math.ceil(total / page.perPage), 1);
  const next = page.page < totalPages ? page.page + 1 : null;
  // Kaminari's prev_page: none on the first page, and none past the last one either.
  const prev = page.page > 1 && page.page <= totalPages ? page.page - 1 : null;
  const [path, search = ''] = request.url.split('?');
  const linkTo = (target: number) => {
    const params = new URLSearchParams(search);
    for (const name of SECRET_PARAMS) params.delete(name);
    params.set('page', String(target));
    params.set('per_page', String(page.perPage));
    return `<${externalUrl}${path}?${params.toString()}>`;
  };
  const links = [
    ...(prev !== null ? [`${linkTo(prev)}; rel="prev"`] : []),
    ...(next !== null ? [`${linkTo(next)}; rel="next"`] : []),
    `${linkTo(1)}; rel="first"`,
    ...(counted ? [`${linkTo(totalPages)}; rel="last"`] : []),
  ];
  reply.headers({
    'x-per-page': String(page.perPage),
    'x-page': String(page.page),
    'x-next-page': next === null ? '' : String(next),
    'x-prev-page': prev === null ? '' : String(prev),
    ...(counted ? { 'x-total': String(total), 'x-total-pages': String(totalPages) } : {}),
    link: links.join(', '),
  });
}
