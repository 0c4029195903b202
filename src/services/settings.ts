import { invalidFields, type FieldError } from '../domain/errors.js';
import { DEFAULT_SETTINGS, isSettingKey, settingError, type InstanceSettings } from '../domain/settings.js';
import { ok, type Result } from '../domain/result.js';
import type { Db } from '../store/repositories/common.js';
import { readStoredSettings, writeStoredSettings } from '../store/repositories/settings.js';
import type { ServiceContext } from './context.js';

/** The settings as use cases read them, inside their own transaction when they have one. */
export async function getSettings(db: Db): Promise<InstanceSettings> {
  const stored = await readStoredSettings(db);
  const settings: InstanceSettings = { ...DEFAULT_SETTINGS };
  for (const [key, value] of Object.entries(stored)) {
    if (isSettingKey(key)) (settings as unknown as Record<string, unknown>)[key] = value;
  }
  return settings;
}

/** GET /application/settings and `tollgate settings get`. */
export const instanceSettings = (ctx: Pick<ServiceContext, 'database'>): Promise<InstanceSettings> => getSettings(ctx.database.db);

/**
 * PUT /application/settings and `tollgate settings set`. Validates every given value first, so a
 * bad one changes nothing.
 */
export async function updateSettings(ctx: Pick<ServiceContext, 'database'>, changes: Record<string, unknown>): Promise<Result<InstanceSettings>> {
  const db = ctx.database.db;
  const valid: Record<string, unknown> = {};
  const errors: FieldError[] = [];
  for (const [key, value] of Object.entries(changes)) {
    if (value === undefined) continue;
    if (!isSettingKey(key)) {
      errors.push({ field: key, message: `${key} is not a setting` });
      continue;
    }
    const error = settingError(key, value);
    if (error) errors.push({ field: key, message: error });
    else valid[key] = value;
  }
  if (errors.length > 0) return invalidFields('settings_invalid', errors);
  await writeStoredSettings(db, valid);
  return ok(await getSettings(db));
}
