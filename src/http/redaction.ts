/** Query and body fields that carry secrets; never logged. */
export const SECRET_PARAMS = ['private_token', 'access_token', 'password', 'token'];

/** The URL with secret query parameters masked, for logs. */
export function redactUrl(url: string): string {
  const question = url.indexOf('?');
  if (question < 0) return url;
  const params = new URLSearchParams(url.slice(question + 1));
  for (const name of SECRET_PARAMS) if (params.has(name)) params.set(name, '[REDACTED]');
  return `${url.slice(0, question)}?${params.toString()}`;
}
