import { useRef, useState, type FormEvent } from 'react';
import { MAX_ALLOWED_CIDRS, parseAllowedCidrs } from '../../../src/domain/ip-allowlist.js';
import { SCOPE_DESCRIPTIONS, SCOPE_DESCRIPTIONS_FOR } from '../../../src/domain/scopes.js';
import { api, type NewToken } from '../api';
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
  allowed_cidrs: 'token-allowed-cidrs',
};

/** The allowlist box's lines, blank ones dropped. */
const allowlistLines = (text: string) =>
  text
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);

/**
 * What is wrong with the allowlist box, by the server's own rules (domain/ip-allowlist.ts), or
 * null: said beside the field as soon as it is left, and again on submit.
 */
function allowlistError(text: string): string | null {
  const lines = allowlistLines(text);
  if (lines.length > MAX_ALLOWED_CIDRS) return `At most ${MAX_ALLOWED_CIDRS} entries.`;
  const wrong = lines.filter((line) => !parseAllowedCidrs([line]).ok);
  if (wrong.length === 0) return null;
  return `Not an IP address or CIDR: ${wrong.join(', ')}. Write one a line, such as 10.0.0.0/8 or 2001:db8::1.`;
}

/** Whose token it is, in the page's words: "group", "project" or "personal" (access token). */
export type TokenKind = 'group' | 'project' | 'personal';

interface TokenFormProps {
  kind: TokenKind;
  /** Where the form posts: `/groups/:id/access_tokens`, `/projects/:id/access_tokens`, `/user/personal_access_tokens`. */
  createPath: string;
  /** The scopes offered, in GitLab's order. */
  scopes: readonly string[];
  /** The creator's own role: the token's role can never be above it (T8). Absent: the token has no role (personal). */
  maxRole?: number | undefined;
  /** Below the name field: who can see it. */
  nameHint?: string | undefined;
  onCreated(token: NewToken): void;
  onCancel(): void;
}

/** A scope's description in the words of the page it is offered on. */
const describeScope = (kind: TokenKind, scope: string): string | undefined =>
  (kind === 'group' ? undefined : SCOPE_DESCRIPTIONS_FOR[kind][scope]) ?? (SCOPE_DESCRIPTIONS as Record<string, string>)[scope];

export function TokenForm({ kind, createPath, scopes: offered, maxRole, nameHint, onCreated, onCancel }: TokenFormProps) {
  const form = useRef<HTMLFormElement>(null);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [failure, setFailure] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  const roles = maxRole === undefined ? [] : ASSIGNABLE_ACCESS_LEVELS.filter((level) => level <= maxRole);

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const target = event.currentTarget;
    const data = new FormData(target);
    const scopes = data.getAll('scopes').map(String);
    const found = validateForm(target);
    if (scopes.length === 0) found[SCOPES_ERROR_ID] = 'Select at least one scope.';
    const allowlist = String(data.get('token-allowed-cidrs') ?? '');
    const invalidAllowlist = allowlistError(allowlist);
    if (invalidAllowlist) found['token-allowed-cidrs'] = invalidAllowlist;
    setErrors(found);
    setFailure(null);
    if (Object.keys(found).length > 0) return focusFirstError(target, found);

    const description = String(data.get('token-description') ?? '').trim();
    const expiresAt = String(data.get('token-expires-at') ?? '');
    setPending(true);
    try {
      const created = await api.post<NewToken>(createPath, {
        name: String(data.get('token-name')).trim(),
        ...(description ? { description } : {}),
        // Cleared: the server applies the longest lifetime allowed (T2).
        ...(expiresAt ? { expires_at: expiresAt } : {}),
        ...(maxRole === undefined ? {} : { access_level: Number(data.get('token-access-level')) }),
        scopes,
        ...(allowlistLines(allowlist).length > 0 ? { allowed_cidrs: allowlistLines(allowlist) } : {}),
      });
      onCreated(created);
    } catch (error) {
      showServerError(target, toApiError(error), FIELD_IDS, setErrors, setFailure);
      setPending(false);
    }
  };

  return (
    <form ref={form} className="form" onSubmit={submit} noValidate aria-labelledby="token-form-title">
      <h2 id="token-form-title">Add a {kind} access token</h2>
      {failure ? <Notice kind="error">{failure}</Notice> : null}
      <TextField id="token-name" label="Token name" required maxLength={255} autoComplete="off" autoFocus error={errors['token-name']} hint={nameHint} />
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
      {maxRole === undefined ? null : (
        <SelectField id="token-access-level" label="Select a role" defaultValue={String(roles[0] ?? 10)} error={errors['token-access-level']}>
          {roles.map((level) => (
            <option key={level} value={level}>
              {roleName(level)}
            </option>
          ))}
        </SelectField>
      )}
      <fieldset className="scopes" aria-describedby={errors[SCOPES_ERROR_ID] ? `${SCOPES_ERROR_ID}-error` : undefined} aria-invalid={errors[SCOPES_ERROR_ID] ? true : undefined}>
        <legend>Select one or more scopes</legend>
        <FieldError id={SCOPES_ERROR_ID} error={errors[SCOPES_ERROR_ID]} />
        {offered.map((scope) => (
          <div className="scope" key={scope}>
            <input type="checkbox" id={`scope-${scope}`} name="scopes" value={scope} aria-describedby={`scope-${scope}-description`} />
            <div>
              <label htmlFor={`scope-${scope}`} className="mono">
                {scope}
              </label>
              <p className="hint" id={`scope-${scope}-description`}>
                {describeScope(kind, scope)}
              </p>
            </div>
          </div>
        ))}
      </fieldset>
      <TextArea
        id="token-allowed-cidrs"
        label="Allowed IP addresses (optional)"
        rows={3}
        spellCheck={false}
        className="mono"
        hint="One IP address or CIDR a line (10.0.0.0/8, 2001:db8::/32). From anywhere else the token is refused. Leave empty to allow any address."
        error={errors['token-allowed-cidrs']}
        onBlur={(event) => {
          const invalid = allowlistError(event.currentTarget.value);
          setErrors(({ ['token-allowed-cidrs']: _previous, ...others }) => (invalid ? { ...others, 'token-allowed-cidrs': invalid } : others));
        }}
      />
      <div className="actions">
        <button type="submit" className="button primary" disabled={pending} aria-busy={pending || undefined}>
          Create {kind} access token
        </button>
        <button type="button" className="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
