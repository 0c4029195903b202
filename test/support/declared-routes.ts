import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { FastifyInstance, RouteOptions } from 'fastify';

/**
 * Records every route the Fastify instances made from now on declare, as declared (the hidden ones
 * too, and those of plugins registered inside buildApp): Fastify announces each new instance on
 * this channel before any plugin runs. By method and URL, so that harnesses built again add nothing.
 */
export function recordDeclaredRoutes(): { routes(): RouteOptions[]; stop(): void } {
  const seen = new Map<string, RouteOptions>();
  const onInstance = (message: unknown) =>
    (message as { fastify: FastifyInstance }).fastify.addHook('onRoute', (route: RouteOptions) => void seen.set(`${String(route.method)} ${route.url}`, route));
  subscribe('fastify.initialization', onInstance);
  return { routes: () => [...seen.values()], stop: () => unsubscribe('fastify.initialization', onInstance) };
}
