// P1's answer, for the reference servers: a token's JSON as Tollgate answers GET
// /personal_access_tokens/self (GitLab's PersonalAccessToken entity), and its response schema.
export const tokenAnswer = {
  id: 2, name: 'hot path', active: true, revoked: false, expired: false, granular: false, created_at: '2026-12-06T00:43:44.727Z',
  description: null, scopes: ['read_api'], user_id: 3, last_used_at: null, expires_at: '2027-10-02', last_used_ips: [], revoked_at: null,
};
export type TokenAnswer = typeof tokenAnswer;

const nullableString = { type: ['string', 'null'] };
export const tokenAnswerSchema = {
  type: 'object',
  properties: {
    id: { type: 'integer' }, name: { type: 'string' }, active: { type: 'boolean' }, revoked: { type: 'boolean' }, expired: { type: 'boolean' },
    granular: { type: 'boolean' }, created_at: { type: 'string' }, description: nullableString, scopes: { type: 'array', items: { type: 'string' } },
    user_id: { type: 'integer' }, last_used_at: nullableString, expires_at: nullableString, last_used_ips: { type: 'array', items: { type: 'string' } },
    revoked_at: nullableString,
  },
};
