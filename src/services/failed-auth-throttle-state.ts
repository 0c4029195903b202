import { hash } from 'node:crypto';
import { KNOWN_GOOD_MS } from '../domain/failed-auth-throttle.js';
import { growingLru } from './growing-lru.js';

/**
 * What one instance knows about the failed-authentication throttle, in memory, so that a request
 * with a valid token never waits on the database for it (docs/operator-guide.md "Brute force"):
 *
 * - `held`: addresses past the limit, until their minute ends. An instance learns it from its own
 *   count: each failure it sees is added to the shared counter (one upsert), which answers the
 *   total of every instance. An address guessing through several instances is held by each after
 *   at most one failure there past the limit.
 * - `knownGood`: (token, address) pairs that authenticated here, with when; the exemption for a CI
 *   host whose one broken job fails while its other jobs' tokens keep working.
 * - `usedFrom`: for a held address only, what the database knows of tokens used from it in the last
 *   hour (their usage stamps, written by every instance), read once per address and minute.
 *
 * Every map is bounded (`counting` by the requests in flight); entries are compared with the
 * service clock, not expired by a timer.
 */
export class FailedAuthThrottleState {
  private readonly held = growingLru<string, number>(100_000);
  private readonly knownGood = growingLru<string, number>(100_000);
  private readonly usedFrom = growingLru<string, { endsAtMs: number; digests: Promise<ReadonlySet<string>> }>(10_000);
  /** Failures being counted, per address: the answer does not wait for its count, the address's next request does. */
  private readonly counting = new Map<string, Promise<void>>();
  /** Told when a failure could not be counted (the app logs it). */
  onError: (error: unknown) => void = () => {};

  /**
   * Counts a failure after the answer, behind the address's earlier counts: a failed
   * authentication costs its client no more time than a successful one (the status tells the
   * difference anyway), and the address's next request, which waits for `counted`, sees the result.
   */
  countInBackground(ip: string, count: () => Promise<void>): void {
    // Started once the answer is on its way (setImmediate runs after the I/O of this turn).
    const previous = this.counting.get(ip) ?? new Promise<void>((resolve) => setImmediate(resolve));
    const current: Promise<void> = previous
      .then(count)
      .catch((error: unknown) => this.onError(error))
      .finally(() => {
        if (this.counting.get(ip) === current) this.counting.delete(ip);
      });
    this.counting.set(ip, current);
  }

  /** The address's counts still running, if any: the one other check on every token request. */
  counted(ip: string): Promise<void> | undefined {
    return this.counting.get(ip);
  }

  /** Every count written (on close, and for tests that read the counters). */
  async idle(): Promise<void> {
    while (this.counting.size > 0) await Promise.all(this.counting.values());
  }

  /** When the address's hold ends (ms), or null when it is not held: the one check on every token request. */
  heldUntil(ip: string, nowMs: number): number | null {
    const endsAtMs = this.held.get(ip);
    if (endsAtMs === undefined) return null;
    if (endsAtMs > nowMs) return endsAtMs;
    this.held.delete(ip);
    return null;
  }

  hold(ip: string, endsAtMs: number): void {
    this.held.set(ip, endsAtMs);
  }

  /** A token authenticated from the address (kept by a SHA-256 of it, never the value). */
  rememberSuccess(presented: string, ip: string, nowMs: number): void {
    const key = pairKey(presented, ip);
    const last = this.knownGood.get(key);
    // Once a minute is precise enough for an hour's exemption, and spares the cache a write per request.
    if (last === undefined || nowMs - last > 60_000) this.knownGood.set(key, nowMs);
  }

  authenticatedHereRecently(presented: string, ip: string, nowMs: number): boolean {
    const last = this.knownGood.get(pairKey(presented, ip));
    return last !== undefined && nowMs - last <= KNOWN_GOOD_MS;
  }

  /** The digests the database knows were used from a held address, loaded once per hold. */
  tokensUsedFrom(ip: string, endsAtMs: number, load: () => Promise<string[]>): Promise<ReadonlySet<string>> {
    const cached = this.usedFrom.get(ip);
    if (cached && cached.endsAtMs === endsAtMs) return cached.digests;
    const digests = load().then((found) => new Set(found));
    // A failed read is not remembered: the next request tries again.
    digests.catch(() => this.usedFrom.delete(ip));
    this.usedFrom.set(ip, { endsAtMs, digests });
    return digests;
  }
}

const pairKey = (presented: string, ip: string) => `${hash('sha256', presented, 'base64')} ${ip}`;
