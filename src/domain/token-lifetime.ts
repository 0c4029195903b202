import { addDays, latestAllowedExpiry, parseIsoDate, ROTATION_DEFAULT_LIFETIME_DAYS } from './expiry.js';
import { failure, invalidFields, type Failed, type FieldError } from './errors.js';
import { ok, type Result } from './result.js';
import type { InstanceSettings } from './settings.js';

type LifetimeSettings = Pick<InstanceSettings, 'max_personal_access_token_lifetime' | 'require_personal_access_token_expiry'>;

/** T3: a date past today + the maximum lifetime is refused with GitLab's message. */
function withinMaxLifetime(expiresAt: string | null, settings: LifetimeSettings, today: string): Result<string | null> {
  if (expiresAt === null || !settings.require_personal_access_token_expiry) return ok(expiresAt);
  const latest = latestAllowedExpiry(today, settings.max_personal_access_token_lifetime);
  return expiresAt > latest ? failure('expires_at_too_late', `Expires at must be before ${latest}`) : ok(expiresAt);
}

/**
 * T2: on create, a missing `expires_at` means today + the maximum lifetime; it means "never" only
 * when an administrator turned off required expiry. A date that is not a date is the caller's
 * schema error and never reaches here.
 */
export function expiresAtForCreate(given: string | null | undefined, settings: LifetimeSettings, today: string): Result<string | null> {
  if (given === undefined || given === null || given === '') {
    return ok(settings.require_personal_access_token_expiry ? latestAllowedExpiry(today, settings.max_personal_access_token_lifetime) : null);
  }
  const date = parseIsoDate(given);
  if (date === null) return failure('expires_at_invalid');
  return withinMaxLifetime(date, settings, today);
}

/** T4: on rotation, a missing `expires_at` means one week from today (or never, when expiry is optional). */
export function expiresAtForRotate(given: string | null | undefined, settings: LifetimeSettings, today: string): Result<string | null> {
  if (given === undefined || given === null || given === '') {
    return ok(settings.require_personal_access_token_expiry ? addDays(today, ROTATION_DEFAULT_LIFETIME_DAYS) : null);
  }
  const date = parseIsoDate(given);
  if (date === null) return failure('expires_at_invalid');
  return withinMaxLifetime(date, settings, today);
}

const MAX_TOKEN_NAME_LENGTH = 255;
const MAX_TOKEN_DESCRIPTION_LENGTH = 255;

/** Model validations shared by every token (T13 and §1.1), as GitLab words them; null when valid. */
export function tokenAttributesError(name: string, description: string | null | undefined, scopes: readonly string[]): Failed | null {
  const errors: FieldError[] = [];
  if (name.trim() === '') errors.push({ field: 'name', message: "Name can't be blank" });
  else if (name.length > MAX_TOKEN_NAME_LENGTH) errors.push({ field: 'name', message: `Name is too long (maximum is ${MAX_TOKEN_NAME_LENGTH} characters)` });
  if (description && description.length > MAX_TOKEN_DESCRIPTION_LENGTH) {
    errors.push({ field: 'description', message: `Description is too long (maximum is ${MAX_TOKEN_DESCRIPTION_LENGTH} characters)` });
  }
  if (scopes.length === 0) errors.push({ field: 'scopes', message: "Scopes can't be blank" });
  return errors.length > 0 ? invalidFields('invalid_attributes', errors) : null;
}
