import { afterAll } from 'vitest';
import { startCollecting, takeCollected } from './collector.js';
import { describeLeaks, findLeaks } from './scan.js';

/**
 * Issue 14 item 6, for every test file (vitest.config.ts `setupFiles`): what the file's Tollgates
 * wrote — log lines, error bodies, audit events, emails, webhook payloads — must hold no token
 * and none of the passwords and session secrets they were handed. This hook runs after the file's
 * own (the harnesses are closed and their stores read by then), and fails the file on a leak.
 */
startCollecting();

afterAll(async () => {
  const leaks = await findLeaks(takeCollected());
  if (leaks.length > 0) throw new Error(describeLeaks(leaks));
});
