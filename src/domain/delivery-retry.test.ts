import { describe, expect, it } from 'vitest';
import { afterFailure, describeError, isConnectionFailure, isPermanentSmtpError, MAX_DELIVERY_ATTEMPTS, MAX_RETRY_DELAY_MS, retryDelayMs } from './delivery-retry.js';

describe('delivery retries', () => {
  it('back-off doubles from one minute and is capped at four hours', () => {
    expect([1, 2, 3, 4].map(retryDelayMs)).toEqual([60_000, 120_000, 240_000, 480_000]);
    expect(retryDelayMs(20)).toBe(MAX_RETRY_DELAY_MS);
  });

  it('retries until the last attempt, then fails; a permanent error fails at once', () => {
    const now = new Date('2026-01-01T00:00:00.000Z');
    expect(afterFailure(1, false, now)).toEqual({ kind: 'retry', at: '2026-01-01T00:01:00.000Z' });
    expect(afterFailure(MAX_DELIVERY_ATTEMPTS - 1, false, now).kind).toBe('retry');
    expect(afterFailure(MAX_DELIVERY_ATTEMPTS, false, now)).toEqual({ kind: 'failed' });
    expect(afterFailure(1, true, now)).toEqual({ kind: 'failed' });
  });

  it('SMTP: 5xx replies and unbuildable envelopes are permanent; 4xx, lost connections and time-outs are not', () => {
    expect(isPermanentSmtpError({ code: 'EENVELOPE', responseCode: 550 })).toBe(true);
    expect(isPermanentSmtpError({ code: 'EMESSAGE', responseCode: 552 })).toBe(true);
    expect(isPermanentSmtpError({ code: 'EENVELOPE' })).toBe(true);
    expect(isPermanentSmtpError({ code: 'EENVELOPE', responseCode: 451 })).toBe(false);
    expect(isPermanentSmtpError({ code: 'EAUTH', responseCode: 535 })).toBe(false);
    expect(isPermanentSmtpError({ code: 'ESOCKET' })).toBe(false);
    expect(isPermanentSmtpError({ code: 'ETIMEDOUT' })).toBe(false);
    expect(isConnectionFailure({ code: 'ECONNECTION' })).toBe(true);
    expect(isConnectionFailure({ code: 'EENVELOPE', responseCode: 451 })).toBe(false);
  });

  it('records errors with their code, bounded in length', () => {
    expect(describeError(Object.assign(new Error('Greeting never received'), { code: 'ETIMEDOUT' }))).toBe('ETIMEDOUT: Greeting never received');
    expect(describeError(new Error('x'.repeat(5000))).length).toBeLessThan(1100);
  });
});
