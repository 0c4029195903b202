import { AccessLevel } from '../../src/domain/access-levels.js';
import { isExpired } from '../../src/domain/expiry.js';
import { authenticateSession } from '../../src/services/sessions.js';
import { findMember } from '../../src/store/repositories/groups.js';
import type { GroupRow, ProjectRow, UserRow } from '../../src/store/schema.js';
import { makeGroup, makePat, makeProject, makeUser, setRole } from '../support/factories.js';
import { makeGroupToken } from '../support/git-factories.js';
import { signInBrowser, type Harness } from '../support/harness.js';
import type { CallerName, WorldValues } from './requests.js';

/** The owner signs in to the web UI with it (the browser caller); the fuzzer never sends it. */
const OWNER_PASSWORD = 'fuzz-owner-password-1';

interface TokenHolder {
  kind: 'token';
  token: string;
  id: number;
  user: UserRow;
}
interface SessionHolder {
  kind: 'session';
  cookie: string;
  csrfToken: string;
}
export type Credential = TokenHolder | SessionHolder | { kind: 'none' };

/** The group's Reporter, its project `app` and its subgroup `sub`. */
async function furnish(h: Harness, group: GroupRow, owner: UserRow, reporter: UserRow): Promise<ProjectRow> {
  await setRole(h, { group }, reporter, AccessLevel.REPORTER);
  await makeGroup(h, owner, { path: 'sub', parent: group });
  return makeProject(h, group, { path: 'app' });
}

/**
 * The instance the fuzzer talks to: a group with a project and a subgroup, its Owner, a Reporter,
 * a bot of the group (group access token, read_api), the administrator, the Owner's browser
 * session, and anonymous. Successful requests may delete the group, revoke or rotate a caller's
 * token or end the session: `heal` then puts a new one in its place, so that every caller keeps
 * calling with a credential that works (a rotated-away token is never presented again: that
 * would revoke its successor, by design).
 */
export class FuzzWorld {
  private generation = 0;
  private constructor(
    readonly h: Harness,
    private group: GroupRow,
    private project: ProjectRow,
    private readonly owner: UserRow,
    private readonly reporter: UserRow,
    private readonly credentials: Map<CallerName, Credential>,
  ) {}

  static async create(h: Harness): Promise<FuzzWorld> {
    const owner = await makeUser(h, { username: 'fuzz_owner', password: OWNER_PASSWORD });
    const reporter = await makeUser(h, { username: 'fuzz_reporter' });
    await makeUser(h, { username: 'fuzz_candidate' });
    const group = await makeGroup(h, owner, { path: 'fuzz' });
    const world = new FuzzWorld(h, group, await furnish(h, group, owner, reporter), owner, reporter, new Map());
    world.credentials.set('anonymous', { kind: 'none' });
    world.credentials.set('admin', await world.tokenOf(h.root));
    world.credentials.set('owner', await world.tokenOf(owner));
    world.credentials.set('reporter', await world.tokenOf(reporter));
    world.credentials.set('bot', await world.botToken());
    world.credentials.set('browser', await world.session());
    await world.seed();
    return world;
  }

  /** A hook on the group and on the project, an issue: what the hook and issue routes act on. */
  private async seed(): Promise<void> {
    const admin = this.credentialOf('admin') as TokenHolder;
    for (const [url, payload] of [
      ['/api/v4/groups/fuzz/hooks', { url: 'http://hooks.invalid/group' }],
      ['/api/v4/projects/fuzz%2Fapp/hooks', { url: 'http://hooks.invalid/project' }],
      ['/api/v4/projects/fuzz%2Fapp/issues', { title: 'Fuzzed' }],
    ] as const) {
      const res = await this.h.app.inject({ method: 'POST', url, headers: { 'private-token': admin.token }, payload });
      if (res.statusCode !== 201) throw new Error(`could not seed ${url}: ${res.statusCode} ${res.body}`);
    }
  }

  /** Names of what exists, for values that hit it: small ids, the group's and project's paths. */
  values(): WorldValues {
    return {
      ids: Array.from({ length: 40 }, (_, i) => i + 1),
      groups: [String(this.group.id), 'fuzz', 'fuzz/sub', 'fuzz/sub/deep', 'root'],
      projects: [String(this.project.id), 'fuzz/app', 'fuzz/sub/app', 'nosuch/thing'],
      usernames: ['fuzz_owner', 'fuzz_reporter', 'fuzz_candidate'],
    };
  }

  credentialOf(caller: CallerName): Credential {
    return this.credentials.get(caller)!;
  }

  /** Puts back whatever successful requests took away: the group, the roles, each caller's credential. */
  async heal(): Promise<void> {
    const db = this.h.ctx.database.db;
    const group = await db.selectFrom('groups').select('id').where('id', '=', this.group.id).executeTakeFirst();
    if (!group) {
      this.group = await makeGroup(this.h, this.owner, { path: `fuzz-${++this.generation}` });
      this.project = await furnish(this.h, this.group, this.owner, this.reporter);
    }
    for (const [user, level] of [[this.owner, AccessLevel.OWNER], [this.reporter, AccessLevel.REPORTER]] as const) {
      const member = await findMember(db, 'group', this.group.id, user.id);
      if (member?.access_level !== level) await setRole(this.h, { group: this.group }, user, level);
    }
    for (const [caller, credential] of this.credentials) {
      if (credential.kind === 'token' && !(await this.stillWorks(credential))) {
        this.credentials.set(caller, caller === 'bot' ? await this.botToken() : await this.tokenOf(credential.user));
      }
      if (credential.kind === 'session' && !(await authenticateSession(this.h.ctx, credential.cookie))) this.credentials.set(caller, await this.session());
    }
  }

  private async tokenOf(user: UserRow): Promise<TokenHolder> {
    const { token, id } = await makePat(this.h, user, { scopes: ['api'] });
    return { kind: 'token', token, id, user };
  }

  private async botToken(): Promise<TokenHolder> {
    const { token, id, bot } = await makeGroupToken(this.h, this.group, { scopes: ['read_api'], level: AccessLevel.DEVELOPER });
    return { kind: 'token', token, id, user: bot };
  }

  private async session(): Promise<SessionHolder> {
    return { kind: 'session', ...(await signInBrowser(this.h, this.owner.username, OWNER_PASSWORD)) };
  }

  /** Not revoked, not expired, its user active, and for the bot still a member of the group. */
  private async stillWorks(holder: TokenHolder): Promise<boolean> {
    const db = this.h.ctx.database.db;
    const row = await db.selectFrom('personal_access_tokens').select(['revoked', 'expires_at', 'rotation_grace_ends_at']).where('id', '=', holder.id).executeTakeFirst();
    const user = await db.selectFrom('users').select('state').where('id', '=', holder.user.id).executeTakeFirst();
    if (!row || Number(row.revoked) !== 0 || row.rotation_grace_ends_at !== null || isExpired(row.expires_at, this.h.clock.now()) || user?.state !== 'active') return false;
    return holder.user.user_type !== 'project_bot' || (await findMember(db, 'group', this.group.id, holder.user.id)) !== undefined;
  }
}
