// An instance with a group holding many group access tokens, made before its server starts.
// The few objects a client uses (the group, root's token, the hot path's group token) are made by
// the app's own use cases; the bulk (a bot user, its membership and its token per stored token)
// is inserted with SQL in one transaction, in the rows those use cases write: through the API it
// would take many minutes.
import { valueOf } from '../../src/cli/common.js';
import { openRuntime } from '../../src/cli/runtime.js';
import { loadConfig } from '../../src/config.js';
import { DEFAULT_TOKEN_PREFIX, tokenDigest } from '../../src/domain/token-format.js';
import { consoleCaller } from '../../src/services/caller.js';
import { createGroup } from '../../src/services/groups.js';
import { createPersonalAccessToken } from '../../src/services/personal-access-tokens.js';
import { createResourceAccessToken } from '../../src/services/resource-access-tokens.js';
import { updateSettings } from '../../src/services/settings.js';
import { newTokenValue } from '../../src/services/token-issuance.js';
import { insertResourceTokensInBulk } from '../../test/support/bulk-tokens.js';

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

const dateIn = (now: Date, days: number) => new Date(now.getTime() + days * DAY_MS).toISOString().slice(0, 10);

/**
 * Migrates and bootstraps the instance that `env` configures (as `tollgate serve` would), makes a
 * top-level group with `tokens` stored group access tokens plus the hot path's, and closes it.
 */
export async function seedInstance(env: NodeJS.ProcessEnv, tokens: number): Promise<SeededInstance> {
  const started = performance.now();
  const runtime = await openRuntime(loadConfig(env));
  try {
    const { ctx } = runtime;
    // P3 measures how fast tokens are made, not the per-user limit on making them (60 a minute
    // by default, issue 14): off, as an operator would set it for a provisioning account.
    valueOf(await updateSettings(ctx, { token_creations_limit_per_minute: 0 }));
    const root = (await consoleCaller(ctx))!;
    const expiresAt = dateIn(new Date(), 300);
    const { group } = valueOf(await createGroup(ctx, root, { name: 'Bench', path: 'bench' }));
    const rootToken = valueOf(await createPersonalAccessToken(ctx, { userId: root.id, name: 'bench', scopes: ['api'], expiresAt })).token;
    const issued = valueOf(
      await createResourceAccessToken(ctx, root, { kind: 'group', ref: String(group.id) }, { name: 'hot path', scopes: ['read_api'], expiresAt }),
    );
    const now = new Date();
    await insertResourceTokensInBulk(ctx, group, {
      count: tokens,
      nameOf: (n) => `deploy-${n}`,
      // 30 to 364 days ahead: none is due an expiry notice while the bench runs.
      expiresAtOf: (n) => dateIn(now, 30 + (n % 335)),
      // Real digests of values nobody holds, as the app writes them.
      digestOf: (botId) => tokenDigest(ctx.secret, newTokenValue(DEFAULT_TOKEN_PREFIX, botId)),
      createdById: root.id,
    });
    // After a change this large, PostgreSQL's autovacuum (a minute or so later) gathers the
    // statistics it plans from and, since PostgreSQL 13, vacuums after inserts too: rows are
    // marked visible to all, so reads need not check each one's transaction, and index-only scans
    // need not visit the table. Do it now, or the first minutes would measure an instance that no
    // settled one is (a list took 180 s with plans for empty tables; a count twice as long before
    // the vacuum). SQLite keeps no statistics unless asked.
    if (ctx.database.pool) await ctx.database.pool.query('vacuum analyze');
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
