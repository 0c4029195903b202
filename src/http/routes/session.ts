import cookie from '@fastify/cookie';
import { Type } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { signIn, signOut } from '../../services/sessions.js';
import { requireCaller, SESSION_COOKIE, sessionCookie } from '../plugins/auth.js';
import { httpFailure } from '../plugins/errors.js';
import { SessionJson, toUserJson } from '../presenters/users.js';
import { errorResponses, NoContent, Ref } from '../schemas.js';
import type { UserRow } from '../../store/schema.js';
import type { App, RouteOptions } from '../types.js';

const tags = ['session'];

/** The web UI's sign-in: a session cookie for the browser, and the CSRF token its writes must carry. */
export async function sessionRoutes(app: App, { ctx }: RouteOptions) {
  // Only these routes set the cookie; elsewhere it is read by the auth plugin, when needed.
  // Registered here, its hook (writing Set-Cookie) runs on these routes only.
  await app.register(cookie, { hook: false });
  const externalUrl = ctx.config.externalUrl;
  const cookieOptions = { path: '/', httpOnly: true, sameSite: 'lax', secure: externalUrl.startsWith('https:') } as const;
  const present = (user: UserRow, csrfToken: string) => ({
    user: toUserJson(user, externalUrl, { self: true, forAdmin: user.is_admin === 1 }),
    csrf_token: csrfToken,
  });

  app.post(
    '/session',
    {
      config: { auth: 'none' },
      schema: {
        tags,
        summary: 'Sign in with a username or email and a password (sets the session cookie)',
        body: Type.Object({
          login: Type.String({ minLength: 1, maxLength: 255, description: 'Username or email' }),
          password: Type.String({ minLength: 1, maxLength: 1024 }),
        }, { examples: [{ login: 'root', password: 'the initial root password' }] }),
        response: { 201: Ref(SessionJson, 'Signed in: the session cookie is set'), ...errorResponses(400, 401, 403, 415, 429) },
      },
    },
    async (request, reply) => {
      // JSON only: a cross-site HTML form can post url-encoded fields without a CORS preflight,
      // and would sign the victim's browser into the attacker's account (login CSRF).
      if (!/^application\/json\b/i.test(request.headers['content-type'] ?? '')) {
        throw httpFailure('unsupported_media_type', 'send the credentials as application/json');
      }
      const outcome = await signIn(ctx, { ...request.body, ip: request.ip, userAgent: request.headers['user-agent'] ?? null });
      switch (outcome.kind) {
        case 'invalid':
          throw httpFailure('invalid_login');
        case 'blocked':
          throw httpFailure('account_blocked');
        case 'throttled': {
          const minutes = Math.ceil(outcome.retryAfterSeconds / 60);
          throw httpFailure('sign_in_throttled', `Too many failed sign-in attempts. Try again in ${minutes} minute${minutes === 1 ? '' : 's'}.`, {
            'retry-after': String(outcome.retryAfterSeconds),
          });
        }
        case 'ok':
          reply.setCookie(SESSION_COOKIE, outcome.sessionId, cookieOptions);
          return reply.code(201).send(present(outcome.user, outcome.csrfToken));
      }
    },
  );

  app.get('/session', {
    config: { auth: 'optional' },
    schema: { tags, summary: 'The signed-in user of this browser session and its CSRF token', response: { 200: Ref(SessionJson), ...errorResponses(400, 401, 403) } },
  }, async (request) => {
    const session = request.caller?.session;
    if (!request.caller || !session) throw httpFailure('unauthorized');
    return present(request.caller.user, session.csrfToken);
  });

  app.delete('/session', { schema: { tags, summary: 'Sign out (ends this browser session)', response: { 204: NoContent('Signed out: the session cookie is cleared'), ...errorResponses(400, 401, 403) } } }, async (request: FastifyRequest, reply: FastifyReply) => {
    const sessionId = sessionCookie(request);
    if (!requireCaller(request).session || !sessionId) throw httpFailure('unauthorized');
    await signOut(ctx, sessionId);
    reply.clearCookie(SESSION_COOKIE, cookieOptions);
    return reply.code(204).send();
  });
}
