import { Type } from '@fastify/type-provider-typebox';
import { Entity, Nullable, Timestamp } from '../schemas.js';

export const MailQueueJson = Entity(
  Type.Object(
    {
      queued: Type.Integer({ description: 'Emails waiting to be sent' }),
      sent: Type.Integer({ description: 'Emails sent' }),
      failed: Type.Integer({ description: 'Emails given up on' }),
      last_error: Nullable(Type.String({ description: 'The last delivery error; null if none' })),
      last_error_at: Nullable(Timestamp('When the last delivery error happened')),
      transport: Type.String({ description: 'smtp, or eml: written as files into the data directory', examples: ['smtp', 'eml'] }),
    },
    { $id: 'MailQueue', description: 'The email outbox: is mail going out, and if not, why' },
  ),
);
