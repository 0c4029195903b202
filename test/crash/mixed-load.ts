import { uniformInt } from 'pure-rand/distribution/uniformInt';
import type { JumpableRandomGenerator } from 'pure-rand/types/JumpableRandomGenerator';
import { basicAuth } from '../git/http.js';
import { runGit } from '../support/git-factories.js';

/**
 * Mixed load against a `tollgate serve` that is killed under it, and the ledger of what the
 * server acknowledged. Only a 2xx answer (a push: git's exit 0) counts: a call that got no answer
 * may or may not have happened, so the tokens it touched leave the ledger's knowledge ("unknown")
 * and no later call touches them.
 */

export type TokenKind = 'group' | 'personal';

export interface TrackedToken {
  id: number;
  kind: TokenKind;
  /** Unique in the run: the leak notice names the token. */
  name: string;
  value: string;
  /** What the acknowledged answers say of it now. */
  state: 'active' | 'revoked' | 'rotated' | 'reported' | 'unknown';
  /** A call about it is in flight. */
  busy: boolean;
  /** The push token: the random operations leave it alone. */
  pinned: boolean;
}

export interface Ledger {
  tokens: Map<number, TrackedToken>;
  rotations: { kind: TokenKind; from: number; to: number }[];
  revocations: { kind: TokenKind; id: number }[];
  leakReports: { kind: TokenKind; id: number; name: string }[];
  /** Commits whose push git reported done, oldest first. */
  pushes: string[];
  /** Calls answered other than with a 2xx, or left unanswered with no kill to explain it: each is a finding. */
  refusals: string[];
  /** Calls (pushes included) that a kill cut short. */
  lost: number;
}

export const emptyLedger = (): Ledger => ({ tokens: new Map(), rotations: [], revocations: [], leakReports: [], pushes: [], refusals: [], lost: 0 });

/** What the load works on, made before it starts. */
export interface Fixture {
  rootToken: string;
  groupId: number;
  userId: number;
  /** `<group>/<project>.git`, pushed to with `pushToken`. */
  repository: string;
  pushToken: TrackedToken;
  /** A local repository with `main`, and the git client's environment. */
  workTree: string;
  gitEnv: Record<string, string>;
}

/** POST /credentials/revoke allows 60 calls an hour from one address: the load stays well below. */
const MAX_LEAK_REPORTS = 20;

type Answer = { status: number; body: any } | null;

/** One API call; null when no answer came (the connection was refused or dropped). */
async function call(baseUrl: string, method: string, path: string, token: string | null, body?: object): Promise<Answer> {
  let status: number;
  let text: string;
  try {
    const res = await fetch(`${baseUrl}/api/v4${path}`, {
      method,
      headers: { ...(token ? { 'private-token': token } : {}), ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    status = res.status;
    text = await res.text();
  } catch {
    return null;
  }
  try {
    return { status, body: text ? JSON.parse(text) : null };
  } catch {
    return { status, body: text };
  }
}

/** Where a call goes, and which life of the server it went to: a kill since then explains a missing answer. */
interface Attempt {
  url: string;
  life: number;
}

const acknowledged = (answer: Answer): answer is { status: number; body: any } => answer !== null && answer.status >= 200 && answer.status < 300;

/**
 * The load: concurrent callers, each drawing its API calls from its own seeded generator, and a
 * pusher; all wait while the server is down (pause/resume around a restart).
 */
export class MixedLoad {
  readonly ledger = emptyLedger();
  private baseUrl: string | null;
  private serverUp: Promise<void> = Promise.resolve();
  private markUp: () => void = () => {};
  private stopping = false;
  private lanes: Promise<void>[] = [];
  /** A lane that failed (not a call: the test's own machinery) stops the load; stop() rethrows it. */
  private failure: unknown = null;
  /** Incremented by each kill (pause). */
  private life = 0;
  /** API calls begun so far: the test kills the server after a number of them, not after a time. */
  started = 0;
  private commits = 0;
  private names = 0;

  constructor(
    private readonly fixture: Fixture,
    baseUrl: string,
  ) {
    this.baseUrl = baseUrl;
    this.ledger.tokens.set(fixture.pushToken.id, fixture.pushToken);
  }

  /** One lane of API calls per generator, and one lane of pushes. */
  start(generators: JumpableRandomGenerator[]): void {
    this.lanes = [...generators.map((rng) => this.apiLane(rng)), this.pushLane()].map((lane) =>
      lane.catch((error: unknown) => {
        this.failure ??= error;
        this.stopping = true;
      }),
    );
  }

  /** The server is gone: calls in flight fail, new ones wait for resume. */
  pause(): void {
    this.life += 1;
    this.baseUrl = null;
    this.serverUp = new Promise((resolve) => (this.markUp = resolve));
  }

  resume(baseUrl: string): void {
    this.baseUrl = baseUrl;
    this.markUp();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.markUp();
    await Promise.all(this.lanes);
    this.throwIfFailed();
  }

  throwIfFailed(): void {
    if (this.failure) throw this.failure;
  }

  /** The next call's target, once the server is up; null when the load is stopping. */
  private async nextAttempt(): Promise<Attempt | null> {
    await this.serverUp;
    return this.stopping ? null : { url: this.baseUrl!, life: this.life };
  }

  private async apiLane(rng: JumpableRandomGenerator): Promise<void> {
    for (let attempt = await this.nextAttempt(); attempt; attempt = await this.nextAttempt()) {
      this.started += 1;
      const roll = uniformInt(rng, 0, 10);
      const target = this.pick(rng);
      if (roll < 3 || !target) await this.createGroupToken(attempt, rng);
      else if (roll < 5) await this.createPersonalToken(attempt);
      else if (roll < 8) await this.rotate(attempt, target);
      else if (roll < 10) await this.revoke(attempt, target);
      else if (this.ledger.leakReports.length < MAX_LEAK_REPORTS) await this.report(attempt, target);
      else await this.createPersonalToken(attempt);
    }
  }

  /** Pushes one after another (each a new commit on main): git is slower than an API call, so it has a lane of its own. */
  private async pushLane(): Promise<void> {
    for (let attempt = await this.nextAttempt(); attempt; attempt = await this.nextAttempt()) await this.push(attempt);
  }

  /** An active token no call is about, the push token excepted. */
  private pick(rng: JumpableRandomGenerator): TrackedToken | undefined {
    const free = [...this.ledger.tokens.values()].filter((t) => t.state === 'active' && !t.busy && !t.pinned);
    return free.length === 0 ? undefined : free[uniformInt(rng, 0, free.length - 1)];
  }

  private nextName(kind: TokenKind): string {
    return `crash-${kind}-${++this.names}`;
  }

  /** A call that was answered, but not with a 2xx, or that got no answer. */
  private unacknowledged(attempt: Attempt, what: string, answer: Answer): void {
    if (answer) this.ledger.refusals.push(`${what}: ${answer.status} ${JSON.stringify(answer.body)}`);
    else this.cutShort(attempt, `${what}: no answer`);
  }

  private cutShort(attempt: Attempt, finding: string): void {
    if (attempt.life !== this.life) this.ledger.lost += 1;
    else this.ledger.refusals.push(`${finding}, and the server was not killed`);
  }

  private track(kind: TokenKind, name: string, body: { id: number; token: string }): TrackedToken {
    const token: TrackedToken = { id: body.id, kind, name, value: body.token, state: 'active', busy: false, pinned: false };
    this.ledger.tokens.set(token.id, token);
    return token;
  }

  private async createGroupToken(attempt: Attempt, rng: JumpableRandomGenerator): Promise<void> {
    const name = this.nextName('group');
    const answer = await call(attempt.url, 'POST', `/groups/${this.fixture.groupId}/access_tokens`, this.fixture.rootToken, {
      name,
      scopes: ['read_api'],
      access_level: uniformInt(rng, 0, 1) === 0 ? 30 : 40,
    });
    if (acknowledged(answer)) this.track('group', name, answer.body);
    else this.unacknowledged(attempt, `create group token ${name}`, answer);
  }

  private async createPersonalToken(attempt: Attempt): Promise<void> {
    const name = this.nextName('personal');
    const answer = await call(attempt.url, 'POST', `/users/${this.fixture.userId}/personal_access_tokens`, this.fixture.rootToken, { name, scopes: ['read_api'] });
    if (acknowledged(answer)) this.track('personal', name, answer.body);
    else this.unacknowledged(attempt, `create personal token ${name}`, answer);
  }

  private tokenPath(token: TrackedToken): string {
    return token.kind === 'group' ? `/groups/${this.fixture.groupId}/access_tokens/${token.id}` : `/personal_access_tokens/${token.id}`;
  }

  /** Runs a call about one token; an unanswered call leaves its state unknown. */
  private async about(attempt: Attempt, token: TrackedToken, what: string, send: (url: string) => Promise<Answer>, onAcknowledged: (body: any) => void): Promise<void> {
    token.busy = true;
    const answer = await send(attempt.url);
    token.busy = false;
    if (acknowledged(answer)) return onAcknowledged(answer.body);
    this.unacknowledged(attempt, `${what} ${token.name}`, answer);
    if (!answer) token.state = 'unknown';
  }

  private rotate(attempt: Attempt, token: TrackedToken): Promise<void> {
    return this.about(attempt, token, 'rotate', (url) => call(url, 'POST', `${this.tokenPath(token)}/rotate`, this.fixture.rootToken, {}), (body) => {
      token.state = 'rotated';
      this.track(token.kind, token.name, body);
      this.ledger.rotations.push({ kind: token.kind, from: token.id, to: body.id });
    });
  }

  private revoke(attempt: Attempt, token: TrackedToken): Promise<void> {
    return this.about(attempt, token, 'revoke', (url) => call(url, 'DELETE', this.tokenPath(token), this.fixture.rootToken), () => {
      token.state = 'revoked';
      this.ledger.revocations.push({ kind: token.kind, id: token.id });
    });
  }

  /** A public leak report: acknowledged, it must end in a revocation, its audit event and its email. */
  private report(attempt: Attempt, token: TrackedToken): Promise<void> {
    return this.about(attempt, token, 'report', (url) => call(url, 'POST', '/credentials/revoke', null, { credentials: [token.value] }), () => {
      token.state = 'reported';
      this.ledger.leakReports.push({ kind: token.kind, id: token.id, name: token.name });
    });
  }

  /** A new commit on the work tree's main, pushed with the push token. */
  private async push(attempt: Attempt): Promise<void> {
    const { workTree, gitEnv, pushToken, repository } = this.fixture;
    const committed = await runGit(['-C', workTree, 'commit', '-q', '--allow-empty', '-m', `load ${++this.commits}`], { env: gitEnv });
    if (committed.code !== 0) throw new Error(`git commit failed: ${committed.stderr}`);
    const head = (await runGit(['-C', workTree, 'rev-parse', 'HEAD'], { env: gitEnv })).stdout.trim();
    // The token travels in a header, not in the URL: git would repeat a URL in its messages.
    const pushed = await runGit(['-C', workTree, '-c', `http.extraHeader=Authorization: ${basicAuth(pushToken.value)}`, 'push', '-q', `${attempt.url}/${repository}`, 'main'], {
      env: gitEnv,
    });
    if (pushed.code === 0) this.ledger.pushes.push(head);
    else this.cutShort(attempt, `push: git exited ${pushed.code}: ${pushed.stderr.trim()}`);
  }
}
