import { Type } from '@fastify/type-provider-typebox';
import type { App } from '../types.js';

/** The GitLab version whose API behaviour Tollgate reproduces (GITLAB-BEHAVIOR.md: 18.x). */
export const GITLAB_API_VERSION = '18.7.0';
export const TOLLGATE_VERSION = '0.1.0';

const Version = Type.Object({ version: Type.String(), revision: Type.String() }, { examples: [{ version: GITLAB_API_VERSION, revision: 'tollgate-0.1.0' }] });

export async function metadataRoutes(app: App) {
  const body = () => ({ version: GITLAB_API_VERSION, revision: `tollgate-${TOLLGATE_VERSION}` });
  app.get('/version', { schema: { tags: ['metadata'], summary: 'Version of the server', response: { 200: Version } } }, async () => body());
  app.get('/metadata', { schema: { tags: ['metadata'], summary: 'Metadata of the server' } }, async () => ({
    ...body(),
    kas: { enabled: false, externalUrl: null, externalK8sProxyUrl: null, version: null },
    enterprise: false,
  }));
}
