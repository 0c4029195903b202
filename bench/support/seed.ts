// An instance with a group holding many group access tokens, made before its server starts.
// The few objects a client uses (the group, root's token, the hot path's group token) are made by
// the app's own use cases; the bulk (a bot user, its membership and its token per stored token)
// is inserted with SQL in one transaction, in the rows those use cases write: through the API it
// would take many minutes.
import { randomBytes } from 'node:crypto';
import { valueOf } from '../../src/cli/common.js';
import { openRuntime } from '../../src/cli/runtime.js';
import { externalHost, loadConfig } from '../../src/config.js';
import { DEFAULT_TOKEN_ACCESS_LEVEL } from '../../src/domain/access-levels.js';
import { botEmail, botUsername } from '../../src/domain/bot-users.js';
import { DEFAULT_TOKEN_PREFIX, generateToken, tokenDigest } from '../../src/domain/token-format.js';
import { consoleCaller } from '../../src/services/caller.js';
import type { ServiceContext } from '../../src/services/context.js';
import { createGroup } from '../../src/services/groups.js';
import { createPersonalAccessToken } from '../../src/services/personal-access-tokens.js';
import { createResourceAccessToken } from '../../src/services/resource-access-tokens.js';
import type { GroupRow } from '../../src/store/schema.js';

export interface SeededInstance {
  groupId: number;
  /** An `api` token of root (an administrator): lists and creates. */
  rootToken: string;
  /** A group access token of the group: the hot path's caller. */
  groupToken: string;
  groupTokenId: number;
  /** A name that `?search=` finds among the stored tokens (a handful of matches). */
  searchTerm: string;
  seedMs: number;
}

const DAY_MS = 86_400_000;
const BATCH = 500;
/** Every tenth stored token is revoked, so that `?state=active` has something to leave out. */
const REVOKED_EVERY = 10;
/** GitLab's routing payload names organization 1 (src/services/token-issuance.ts). */
const ORGANIZATION_ID = 1;

const dateIn = (now: Date, days: number) => new Date(now.getTime() + days * DAY_MS).toISOString().slice(0, 10);
const chunks = (total: number) => Array.from({ length: Math.ceil(total / BATCH) }, (_, i) => [i * BATCH, Math.min(total, (i + 1) * BATCH)] as const);

/** `count` group access tokens of `group`, each with its own bot user and membership, as createResourceAccessToken makes them. */
async function insertGroupTokens(ctx: ServiceContext, group: GroupRow, createdById: number, count: number): Promise<void> {
  const now = new Date();
  const nowIso = now.toISOString();
  const host = externalHost(ctx.config);
  await ctx.database.db.transaction().execute(async (trx) => {
    for (const [from, to] of chunks(count)) {
      const names = Array.from({ length: to - from }, (_, i) => `deploy-${from + i}`);
      const bots = await trx
        .insertInto('users')
        .values(
          names.map((name) => {
            const username = botUsername(group.id, randomBytes(16).toString('hex'));
            return {
              username,
              email: botEmail(username, host),
              name,
              state: 'active' as const,
              is_admin: 0 as const,
              external: 0 as const,
              user_type: 'project_bot' as const,
              bot_namespace_id: group.id,
              bot_project_id: null,
              password_digest: null,
              created_at: nowIso,
              updated_at: nowIso,
            };
          }),
        )
        .returning(['id', 'name'])
        .execute();
      await trx
        .insertInto('members')
        .values(
          bots.map((bot) => ({
            user_id: bot.id,
            source_type: 'group' as const,
            source_id: group.id,
            access_level: DEFAULT_TOKEN_ACCESS_LEVEL,
            expires_at: null,
            created_by_id: createdById,
            created_at: nowIso,
            updated_at: nowIso,
          })),
        )
        .execute();
      await trx
        .insertInto('personal_access_tokens')
        .values(
          bots.map((bot, i) => {
            const n = from + i;
            const revoked = n % REVOKED_EVERY === REVOKED_EVERY - 1;
            return {
              user_id: bot.id,
              name: bot.name,
              description: null,
              scopes: JSON.stringify(['read_api']),
              token_digest: tokenDigest(ctx.secret, generateToken(DEFAULT_TOKEN_PREFIX, { organizationId: ORGANIZATION_ID, userId: bot.id })),
              // 30 to 364 days ahead: none is due an expiry notice while the bench runs.
              expires_at: dateIn(now, 30 + (n % 335)),
              revoked: revoked ? (1 as const) : (0 as const),
              revoked_at: revoked ? nowIso : null,
              last_used_at: null,
              last_used_ips: '[]',
              impersonation: 0 as const,
              previous_personal_access_token_id: null,
              group_id: group.id,
              created_at: nowIso,
              updated_at: nowIso,
              sixty_days_notification_sent_at: null,
              thirty_days_notification_sent_at: null,
              seven_days_notification_sent_at: null,
              after_expiry_notification_sent_at: null,
            };
          }),
        )
        .execute();
    }
  });
}

/**
 * Migrates and bootstraps the instance that `env` configures (as `tollgate serve` would), makes a
 * top-level group with `tokens` stored group access tokens plus the hot path's, and closes it.
 */
export async function seedInstance(env: NodeJS.ProcessEnv, tokens: number): Promise<SeededInstance> {
  const started = performance.now();
  const runtime = await openRuntime(loadConfig(env));
  try {
    const { ctx } = runtime;
    const root = (await consoleCaller(ctx))!;
    const expiresAt = dateIn(new Date(), 300);
    const { group } = valueOf(await createGroup(ctx, root, { name: 'Bench', path: 'bench' }));
    const rootToken = valueOf(await createPersonalAccessToken(ctx, { userId: root.id, name: 'bench', scopes: ['api'], expiresAt })).token;
    const issued = valueOf(
      await createResourceAccessToken(ctx, root, { kind: 'group', ref: String(group.id) }, { name: 'hot path', scopes: ['read_api'], expiresAt }),
    );
    await insertGroupTokens(ctx, group, root.id, tokens);
    return {
      groupId: group.id,
      rootToken,
      groupToken: issued.plaintext,
      groupTokenId: issued.token.id,
      searchTerm: `deploy-${Math.floor(tokens / 3)}`,
      seedMs: performance.now() - started,
    };
  } finally {
    await runtime.close();
  }
}
