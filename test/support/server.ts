import { createServer } from 'node:net';
import type { Config } from '../../src/config.js';
import type { Dialect } from '../../src/store/database.js';
import { createHarness, type Harness } from './harness.js';

/** A port that was free a moment ago (the server binds it right after). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (address && typeof address === 'object' ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

export interface ServerHarness extends Harness {
  /** e.g. http://127.0.0.1:40123 — also the external URL, so Link headers point back here. */
  url: string;
}

/** A really listening Tollgate, for real clients (gitbeaker, python-gitlab, curl, git, a browser). */
export async function startServer(dialect: Dialect, options: { now?: string; config?: Partial<Config> } = {}): Promise<ServerHarness> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const h = await createHarness(dialect, { ...options, config: { externalUrl: url, port, ...options.config } });
  await h.app.listen({ port, host: '127.0.0.1' });
  return { ...h, url };
}
