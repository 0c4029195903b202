/** Query and body fields that carry secrets; never logged. */
export const SECRET_PARAMS = ['private_token', 'access_token', 'password', 'token'];

/** Request headers that carry credentials (tokens, sessions, CSRF tokens, webhook secrets). */
export const CREDENTIAL_HEADERS = ['private-token', 'authorization', 'proxy-authorization', 'cookie', 'x-csrf-token', 'job-token', 'x-gitlab-token'];
/** Response headers that carry credentials. */
export const CREDENTIAL_RESPONSE_HEADERS = ['set-cookie'];
export const CENSORED = '[REDACTED]';

/** The URL with secret query parameters masked, for logs. */
export function redactUrl(url: string): string {
  const question = url.indexOf('?');
  if (question < 0) return url;
  const params = new URLSearchParams(url.slice(question + 1));
  for (const name of SECRET_PARAMS) if (params.has(name)) params.set(name, CENSORED);
  return `${url.slice(0, question)}?${params.toString()}`;
}
