/**
 * GitLab's fuzzy name search (Gitlab::SQL::Pattern): the query is squished and split on spaces,
 * double-quoted phrases kept together; every term of 3+ characters must be contained in the name
 * (case-insensitive). Without such a term the whole query must equal the name, case-insensitively.
 */
const MIN_SEARCH_TERM_LENGTH = 3;

export type NameSearch = { kind: 'contains_all'; terms: string[] } | { kind: 'equals'; value: string };

export function parseNameSearch(query: string): NameSearch {
  const squished = query.trim().replace(/\s+/g, ' ');
  const terms: string[] = [];
  for (const match of squished.matchAll(/"([^"]+)"|([^\s"]+)/g)) {
    const term = match[1] ?? match[2];
    if (term && term.length >= MIN_SEARCH_TERM_LENGTH) terms.push(term);
  }
  return terms.length > 0 ? { kind: 'contains_all', terms } : { kind: 'equals', value: squished };
}

/** Escapes LIKE wildcards so user input matches literally (used with ESCAPE '\'). */
export function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, (c) => `\\${c}`);
}
