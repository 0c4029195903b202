import { describe, expect, it } from 'vitest';
import { parseWrkOutput } from './wrk.js';

// wrk's `--latency` report, as wrk 4.1 prints it: every figure of the bench is read from it, so a
// unit read wrong would skew every ratio and p99 without any other sign.
const report = (latencies: string, extra = '') => `Running 1s test @ http://127.0.0.1:4901/nope
  1 threads and 4 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   364.76us    0.85ms  14.16ms   92.33%
    Req/Sec    25.88k    13.64k   39.60k    60.00%
  Latency Distribution
${latencies}
  25665 requests in 1.00s, 6.22MB read
${extra}Requests/sec:  25630.40
Transfer/sec:      6.21MB
`;

describe("wrk's report", () => {
  it('reads the rate, the count and p50/p99 in milliseconds whatever unit wrk chose', () => {
    const parsed = parseWrkOutput(report('     50%  129.00us\n     75%  207.00us\n     90%    0.88ms\n     99%    1.57s'));
    expect(parsed).toEqual({ requestsPerSecond: 25630.4, requests: 25665, p50Ms: 0.129, p99Ms: 1570, non2xx: 0, socketErrors: 0 });
  });

  it('counts answers that were not 2xx or 3xx, and every kind of socket error', () => {
    const parsed = parseWrkOutput(
      report('     50%    2.00ms\n     99%    3.61ms', '  Socket errors: connect 1, read 2, write 3, timeout 4\n  Non-2xx or 3xx responses: 25665\n'),
    );
    expect(parsed.non2xx).toBe(25665);
    expect(parsed.socketErrors).toBe(10);
  });

  it('refuses a report without a rate or without its latency distribution', () => {
    expect(() => parseWrkOutput('unable to connect to 127.0.0.1:9 Connection refused')).toThrow(/Requests\/sec/);
    expect(() => parseWrkOutput(report(''))).toThrow(/50% latency/);
  });
});
