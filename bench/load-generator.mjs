// A small closed-loop HTTP load generator, run as its own process so that it does not share the
// server's event loop: keep-alive connections, CONCURRENCY requests in flight, for DURATION_MS.
// Prints {"requests": n, "seconds": s, "errors": e} on stdout.
import http from 'node:http';

const [url, token = '', durationMs = '3000', concurrency = '32', expected = '200'] = process.argv.slice(2);
const agent = new http.Agent({ keepAlive: true, maxSockets: Number(concurrency) });
const headers = token ? { 'private-token': token } : {};
let requests = 0;
let errors = 0;
const deadline = Date.now() + Number(durationMs);

function one() {
  return new Promise((resolve) => {
    const req = http.get(url, { agent, headers }, (res) => {
      res.resume();
      res.on('end', () => {
        if (res.statusCode === Number(expected)) requests++;
        else errors++;
        resolve();
      });
    });
    req.on('error', () => {
      errors++;
      resolve();
    });
  });
}

const started = Date.now();
await Promise.all(
  Array.from({ length: Number(concurrency) }, async () => {
    while (Date.now() < deadline) await one();
  }),
);
agent.destroy();
process.stdout.write(JSON.stringify({ requests, errors, seconds: (Date.now() - started) / 1000 }) + '\n');
