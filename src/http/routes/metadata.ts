import { Type } from '@fastify/type-provider-typebox';
import { Entity, errorResponses, Nullable, Ref } from '../schemas.js';
import type { App } from '../types.js';

/** The GitLab version whose API behaviour Tollgate reproduces (docs/gitlab-compatibility.md). */
const GITLAB_API_VERSION = '18.7.0';
const TOLLGATE_VERSION = '0.1.0';

const versionFields = {
  version: Type.String({ description: 'The GitLab version whose API this server answers as' }),
  revision: Type.String({ description: 'The Tollgate release' }),
};
const Version = Entity(
  Type.Object(versionFields, { $id: 'Version', description: 'Version of the server', examples: [{ version: GITLAB_API_VERSION, revision: 'tollgate-0.1.0' }] }),
);
const Metadata = Entity(
  Type.Object(
    {
      ...versionFields,
      kas: Type.Object(
        {
          enabled: Type.Boolean({ description: 'Always false: Tollgate has no agent server' }),
          externalUrl: Nullable(Type.String()),
          externalK8sProxyUrl: Nullable(Type.String()),
          version: Nullable(Type.String()),
        },
        { description: 'GitLab agent server for Kubernetes' },
      ),
      enterprise: Type.Boolean({ description: 'Always false' }),
    },
    { $id: 'Metadata', description: 'Metadata of the server' },
  ),
);

/** GitLab's API::Metadata (which also serves /version): `allow_access_with_scope :read_user` for GET requests. */
const READ_USER = { extraScopes: ['read_user'] } as const;

export async function metadataRoutes(app: App) {
  const body = () => ({ version: GITLAB_API_VERSION, revision: `tollgate-${TOLLGATE_VERSION}` });
  app.get('/version', { config: READ_USER, schema: { tags: ['metadata'], summary: 'Version of the server', response: { 200: Ref(Version), ...errorResponses(400, 401, 403) } } }, async () => body());
  app.get('/metadata', { config: READ_USER, schema: { tags: ['metadata'], summary: 'Metadata of the server', response: { 200: Ref(Metadata), ...errorResponses(400, 401, 403) } } }, async () => ({
    ...body(),
    kas: { enabled: false, externalUrl: null, externalK8sProxyUrl: null, version: null },
    enterprise: false,
  }));
}
