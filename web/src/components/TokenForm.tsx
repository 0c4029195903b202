import { useRef, useState, type FormEvent } from 'react';
import { GROUP_ACCESS_TOKEN_SCOPES, SCOPE_DESCRIPTIONS } from '../../../src/domain/scopes.js';
import { api, groupApiPath, type Group, type NewAccessToken } from '../api';
import { ASSIGNABLE_ACCESS_LEVELS, roleName, utcDatePlusDays } from '../format';
import { toApiError } from '../hooks';
import { FieldError, Notice, SelectField, TextArea, TextField, focusFirstError, showServerError, validateForm } from './fields';

/** GitLab's UI suggests an expiry 30 days ahead. */
const DEFAULT_EXPIRY_DAYS = 30;
/** The most any instance allows (T3); the instance's own maximum is the server's to enforce. */
const MAX_EXPIRY_DAYS = 400;
const SCOPES_ERROR_ID = 'scopes';

/** The form's element for each field the server names in a refusal. */
const FIELD_IDS: Record<string, string> = {
  name: 'token-name',
  description: 'token-description',
  expires_at: 'token-expires-at',
  access_level: 'token-access-level',
  scopes: SCOPES_ERROR_ID,
};

interface TokenFormProps {
  group: Group;
  /** The creator's own role: the token's role can never be above it (T8). */
  maxRole: number;
  onCreated(token: NewAccessToken): void;
  onCancel(): void;
}

export function TokenForm({ group, maxRole, onCreated, onCancel }: TokenFormProps) {
  const form = useRef<HTMLFormElement>(null);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [failure, setFailure] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  const roles = ASSIGNABLE_ACCESS_LEVELS.filter((level) => level <= maxRole);

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const target = event.currentTarget;
    const data = new FormData(target);
    const scopes = data.getAll('scopes').map(String);
    const found = validateForm(target);
    if (scopes.length === 0) found[SCOPES_ERROR_ID] = 'Select at least one scope.';
    setErrors(found);
    setFailure(null);
    if (Object.keys(found).length > 0) return focusFirstError(target, found);

    const description = String(data.get('token-description') ?? '').trim();
    const expiresAt = String(data.get('token-expires-at') ?? '');
    setPending(true);
    try {
      const created = await api.post<NewAccessToken>(`${groupApiPath(group.full_path)}/access_tokens`, {
        name: String(data.get('token-name')).trim(),
        ...(description ? { description } : {}),
        // Cleared: the server applies the longest lifetime allowed (T2).
        ...(expiresAt ? { expires_at: expiresAt } : {}),
        access_level: Number(data.get('token-access-level')),
        scopes,
      });
      onCreated(created);
    } catch (error) {
      showServerError(target, toApiError(error), FIELD_IDS, setErrors, setFailure);
      setPending(false);
    }
  };

  return (
    <form ref={form} className="form" onSubmit={submit} noValidate aria-labelledby="token-form-title">
      <h2 id="token-form-title">Add a group access token</h2>
      {failure ? <Notice kind="error">{failure}</Notice> : null}
      <TextField id="token-name" label="Token name" required maxLength={255} autoComplete="off" autoFocus error={errors['token-name']} hint="Visible to anyone who can see this group." />
      <TextArea id="token-description" label="Token description" maxLength={255} rows={2} error={errors['token-description']} />
      <TextField
        id="token-expires-at"
        label="Expiration date"
        type="date"
        defaultValue={utcDatePlusDays(DEFAULT_EXPIRY_DAYS)}
        min={utcDatePlusDays(1)}
        max={utcDatePlusDays(MAX_EXPIRY_DAYS)}
        hint="The token expires at midnight UTC on this date. Clear it to get the longest lifetime this instance allows."
        error={errors['token-expires-at']}
      />
      <SelectField id="token-access-level" label="Select a role" defaultValue={String(roles[0] ?? 10)} error={errors['token-access-level']}>
        {roles.map((level) => (
          <option key={level} value={level}>
            {roleName(level)}
          </option>
        ))}
      </SelectField>
      <fieldset className="scopes" aria-describedby={errors[SCOPES_ERROR_ID] ? `${SCOPES_ERROR_ID}-error` : undefined} aria-invalid={errors[SCOPES_ERROR_ID] ? true : undefined}>
        <legend>Select one or more scopes</legend>
        <FieldError id={SCOPES_ERROR_ID} error={errors[SCOPES_ERROR_ID]} />
        {GROUP_ACCESS_TOKEN_SCOPES.map((scope) => (
          <div className="scope" key={scope}>
            <input type="checkbox" id={`scope-${scope}`} name="scopes" value={scope} aria-describedby={`scope-${scope}-description`} />
            <div>
              <label htmlFor={`scope-${scope}`} className="mono">
                {scope}
              </label>
              <p className="hint" id={`scope-${scope}-description`}>
                {SCOPE_DESCRIPTIONS[scope]}
              </p>
            </div>
          </div>
        ))}
      </fieldset>
      <div className="actions">
        <button type="submit" className="button primary" disabled={pending} aria-busy={pending || undefined}>
          Create group access token
        </button>
        <button type="button" className="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
