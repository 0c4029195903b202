import type { Clock } from '../domain/clock.js';
import { nextTokenUsage, type TokenUsage } from '../domain/token-usage.js';
import { transaction, type Database } from '../store/database.js';
import { updateTokenUsage, type AuthenticatedToken } from '../store/repositories/tokens.js';

/** How long usage stamps wait to be written together. */
const TOKEN_USAGE_FLUSH_MS = 1_000;

/**
 * `last_used_at` and the last IPs (§3.7), recorded off the request path: a request that is due a
 * stamp under GitLab's throttling updates the token it authenticated with (the cached one, so the
 * next request sees it and is not due again) and queues the write; queued writes go to the
 * database together, in one transaction, once a second and on close. A failed write is reported,
 * never thrown at a client: the stamp is best effort, as in GitLab.
 */
export class TokenUsageRecorder {
  private readonly pending = new Map<number, TokenUsage>();
  private timer: NodeJS.Timeout | null = null;
  /** Told when a batch could not be written (the app logs it). */
  onError: (error: unknown) => void = () => {};

  constructor(
    private readonly database: Database,
    private readonly clock: Clock,
    private readonly flushMs = TOKEN_USAGE_FLUSH_MS,
  ) {}

  record(token: AuthenticatedToken, ip: string | null): void {
    const next = nextTokenUsage({ lastUsedAt: token.lastUsedAt, lastUsedIps: token.lastUsedIps }, ip, this.clock.now());
    if (!next) return;
    token.lastUsedAt = next.lastUsedAt;
    token.lastUsedIps = next.lastUsedIps;
    this.pending.set(token.id, next);
    if (!this.timer) {
      this.timer = setTimeout(() => void this.flush().catch((error: unknown) => this.onError(error)), this.flushMs);
      this.timer.unref();
    }
  }

  /** Writes what is queued now. */
  async flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.pending.size === 0) return;
    const batch = [...this.pending];
    this.pending.clear();
    await transaction(this.database, async (trx) => {
      for (const [id, usage] of batch) await updateTokenUsage(trx, id, usage.lastUsedAt!, usage.lastUsedIps);
    });
  }
}
