import { describe, expect, it } from 'vitest';
import { retentionCutoff } from './retention.js';

describe('retention cut-off (§4.5)', () => {
  it('N days before now; an expiry date counts from its 00:00 UTC', () => {
    expect(retentionCutoff(new Date('2026-07-02T00:00:00.000Z'), 30)).toEqual({ revokedBefore: '2026-06-02T00:00:00.000Z', expiredBefore: '2026-06-02' });
    // Mid-day: a token expiring on 06-02 died at 06-02 00:00, before the 12:00 cut-off.
    expect(retentionCutoff(new Date('2026-07-02T12:00:00.000Z'), 30)).toEqual({ revokedBefore: '2026-06-02T12:00:00.000Z', expiredBefore: '2026-06-03' });
  });

  it('a blank setting keeps everything', () => {
    expect(retentionCutoff(new Date(), null)).toBeNull();
  });
});
