import type { FastifyInstance } from 'fastify';
import { paramError } from './errors.js';

/** The first top-level parameter (or list element) carrying a NUL byte, if any. */
function paramWithNullByte(values: unknown): string | null {
  if (!values || typeof values !== 'object') return null;
  for (const [name, value] of Object.entries(values)) {
    const strings = Array.isArray(value) ? value : [value];
    if (strings.some((item) => typeof item === 'string' && item.includes('\u0000'))) return name;
  }
  return null;
}

/**
 * GitLab's request conventions for every /api/v4 route (registered on that scope only: git's
 * bodies are streams). Runs after authentication, so a bad token is still a 401.
 * - No body at all means no parameters, exactly as an empty JSON body does (`curl -X POST …/rotate`,
 *   python-gitlab's http_post), rather than failing the body schema.
 * - A NUL byte in any parameter is refused, as GitLab's HandleNullBytes middleware does
 *   (PostgreSQL cannot store one in text, so it would otherwise be a 500).
 */
export function apiConventions(api: FastifyInstance): void {
  // A callback hook: it runs on every API request and needs no promise.
  api.addHook('preValidation', (request, _reply, done) => {
    if (request.body === undefined || request.body === null) request.body = {};
    for (const values of [request.params, request.query, request.body]) {
      const name = paramWithNullByte(values);
      if (name !== null) return done(paramError(`${name} is invalid`));
    }
    done();
  });
}
