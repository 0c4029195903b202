import type { Command } from 'commander';
import { loadConfig } from '../config.js';
import { systemClock } from '../domain/clock.js';
import { registryTokenAuthSettings } from '../services/registry-tokens.js';
import { CliError, out } from './common.js';

type TokenAuthSettings = Awaited<ReturnType<typeof registryTokenAuthSettings>>;

/**
 * The registry's `auth:` block (INTEGRATIONS.md §7). Every value is a JSON string, which YAML reads
 * as a double-quoted scalar: paths with spaces or `#` stay whole.
 */
export function registryAuthYaml(settings: TokenAuthSettings): string {
  const { realm, service, issuer, rootcertbundle } = settings;
  const line = (key: string, value: string) => `    ${key}: ${JSON.stringify(value)}`;
  return ['auth:', '  token:', line('realm', realm), line('service', service), line('issuer', issuer), line('rootcertbundle', rootcertbundle)].join('\n');
}

/** `tollgate registry config`: only the block on stdout, to paste into the registry's config.yml (docs/registry.md). */
export function registerRegistryCommands(program: Command): void {
  const registry = program.command('registry').description('The container registry Tollgate is the token service of (docs/registry.md)');
  registry
    .command('config')
    .description("Print the auth: block of the registry's config.yml (makes the signing key and its certificate on first use)")
    .action(async () => {
      const config = loadConfig();
      if (!config.registryUrl) throw new CliError('the container registry is not enabled: set TOLLGATE_REGISTRY_URL to its public URL');
      out(registryAuthYaml(await registryTokenAuthSettings({ config, clock: systemClock })));
    });
}
