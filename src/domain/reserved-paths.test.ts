import { describe, expect, it } from 'vitest';
import { isReservedTopLevelPath } from './reserved-paths.js';

describe('reserved top-level paths', () => {
  it('refuses the names of Tollgate routes whatever their case', () => {
    for (const path of ['groups', 'Admin', 'api', 'users', 'assets', '-', 'jwt', 'oauth']) expect(isReservedTopLevelPath(path)).toBe(true);
  });
  it('allows ordinary names, including ones that merely contain a reserved word', () => {
    for (const path of ['platform', 'groups-team', 'my-api']) expect(isReservedTopLevelPath(path)).toBe(false);
  });
});
