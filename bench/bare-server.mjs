// The baseline ("hello rate"): a bare route of the project's own Fastify, in a process of its
// own, with Fastify's defaults (no logger, no plugins). Listens on 127.0.0.1:$PORT.
import Fastify from 'fastify';

const app = Fastify();
app.get('/api/v4/version', async () => ({ version: '18.7.0', revision: 'bare' }));
await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' });
