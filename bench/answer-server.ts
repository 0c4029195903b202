// P1's answer alone: the token's JSON through its response schema, on a bare Fastify (its
// defaults: no logger, no request id of ours, no hooks, no token read). Between the bare route and
// the floor, it shows what the answer itself costs (fourteen fields instead of two) apart from
// what the request log and the token lookup cost (docs/decisions/0006-p1-measured-against-the-floor.md).
// Listens on 127.0.0.1:$PORT.
import Fastify from 'fastify';
import { tokenAnswer, tokenAnswerSchema } from './support/token-answer.js';

const app = Fastify();
app.get('/api/v4/version', async () => ({ version: '18.7.0', revision: 'answer' }));
app.get('/api/v4/personal_access_tokens/self', { schema: { response: { 200: tokenAnswerSchema } } }, async () => tokenAnswer);
await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' });
