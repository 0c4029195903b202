import { DEFAULT_SETTINGS, isSettingKey, settingError, type InstanceSettings } from '../domain/settings.js';
import { badRequest, ok, type Result } from '../domain/result.js';
import type { Db } from '../store/repositories/common.js';
import { readStoredSettings, writeStoredSettings } from '../store/repositories/settings.js';

export async function getSettings(db: Db): Promise<InstanceSettings> {
  const stored = await readStoredSettings(db);
  const settings: InstanceSettings = { ...DEFAULT_SETTINGS };
  for (const [key, value] of Object.entries(stored)) {
    if (isSettingKey(key)) (settings as unknown as Record<string, unknown>)[key] = value;
  }
  return settings;
}

/** Validates every given value first, so a bad one changes nothing. */
export async function updateSettings(db: Db, changes: Record<string, unknown>): Promise<Result<InstanceSettings>> {
  const valid: Record<string, unknown> = {};
  const errors: string[] = [];
  for (const [key, value] of Object.entries(changes)) {
    if (value === undefined) continue;
    if (!isSettingKey(key)) {
      errors.push(`${key} is not a setting`);
      continue;
    }
    const error = settingError(key, value);
    if (error) errors.push(error);
    else valid[key] = value;
  }
  if (errors.length > 0) return badRequest(errors.join(', '));
  await writeStoredSettings(db, valid);
  return ok(await getSettings(db));
}
