import { mailQueueState } from '../../mail/outbox.js';
import { requireAdmin } from '../plugins/auth.js';
import { MailQueueJson } from '../presenters/mail-queue.js';
import { errorResponses, Ref } from '../schemas.js';
import type { App, RouteOptions } from '../types.js';

/** The email outbox as an operator needs to see it: is mail going out, and if not, why. */
export async function adminMailQueueRoutes(app: App, { ctx }: RouteOptions) {
  app.get(
    '/admin/mail_queue',
    {
      schema: {
        tags: ['admin'],
        summary: 'Email outbox: queued, sent and failed counts and the last delivery error (administrators)',
        response: { 200: Ref(MailQueueJson), ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => {
      requireAdmin(request);
      const state = await mailQueueState(ctx);
      return {
        queued: state.queued,
        sent: state.sent,
        failed: state.failed,
        last_error: state.lastError?.message ?? null,
        last_error_at: state.lastError?.at ?? null,
        transport: ctx.config.smtpUrl ? 'smtp' : 'eml',
      };
    },
  );
}
