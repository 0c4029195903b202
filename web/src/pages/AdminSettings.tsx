import { useState, type FormEvent } from 'react';
import { api, type InstanceSettings } from '../api';
import { CheckboxField, Notice, NumberField, PageHeading, SelectField, TextArea, TextField, focusFirstError, validateForm } from '../components/fields';
import { toApiError, useLoad, useSession, useTitle } from '../hooks';

type Key = keyof Pick<
  InstanceSettings,
  | 'personal_access_token_prefix'
  | 'max_personal_access_token_lifetime'
  | 'require_personal_access_token_expiry'
  | 'inactive_resource_access_tokens_delete_after_days'
  | 'token_reuse_detection'
  | 'failed_auth_ban_enabled'
  | 'failed_auth_ban_max_attempts'
  | 'failed_auth_ban_find_time_seconds'
  | 'failed_auth_ban_duration_seconds'
  | 'api_failed_auth_limit_per_minute'
  | 'failed_auth_throttle_allowlist'
  | 'token_creations_limit_per_minute'
>;
const NUMBER_KEYS: Key[] = [
  'max_personal_access_token_lifetime',
  'failed_auth_ban_max_attempts',
  'failed_auth_ban_find_time_seconds',
  'failed_auth_ban_duration_seconds',
  'api_failed_auth_limit_per_minute',
  'token_creations_limit_per_minute',
];
const BOOLEAN_KEYS: Key[] = ['require_personal_access_token_expiry', 'failed_auth_ban_enabled'];
const ALL_KEYS: Key[] = [
  ...NUMBER_KEYS,
  ...BOOLEAN_KEYS,
  'personal_access_token_prefix',
  'inactive_resource_access_tokens_delete_after_days',
  'token_reuse_detection',
  'failed_auth_throttle_allowlist',
];

export function AdminSettingsPage() {
  const { user } = useSession();
  useTitle('Settings', 'Admin area');
  const settings = useLoad(`settings:${user.id}`, () => api.get<InstanceSettings>('/application/settings'));
  return (
    <main id="main">
      <nav aria-label="Breadcrumb" className="breadcrumbs">
        <ol>
          <li>Admin area</li>
          <li>
            <span aria-current="page">Settings</span>
          </li>
        </ol>
      </nav>
      <PageHeading>Access token settings</PageHeading>
      {settings.error ? (
        settings.error.status === 403 ? (
          <Notice kind="info">
            <strong>You need to be an administrator to see the instance settings.</strong>
          </Notice>
        ) : (
          <Notice kind="error">{settings.error.reason}</Notice>
        )
      ) : null}
      {settings.data ? <SettingsForm initial={settings.data} /> : null}
    </main>
  );
}

function SettingsForm({ initial }: { initial: InstanceSettings }) {
  const [errors, setErrors] = useState<Partial<Record<string, string>>>({});
  const [failure, setFailure] = useState<string | null>(null);
  const [saved, setSaved] = useState('');
  const [pending, setPending] = useState(false);

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = event.currentTarget;
    const found = validateForm(form);
    setErrors(found);
    setFailure(null);
    setSaved('');
    if (Object.keys(found).length > 0) return focusFirstError(form, found);
    const data = new FormData(form);
    const retention = String(data.get('inactive_resource_access_tokens_delete_after_days') ?? '').trim();
    const body: Record<string, unknown> = {
      personal_access_token_prefix: String(data.get('personal_access_token_prefix') ?? ''),
      inactive_resource_access_tokens_delete_after_days: retention === '' ? null : Number(retention),
      token_reuse_detection: String(data.get('token_reuse_detection')),
      // One address or network per line; the server checks each.
      failed_auth_throttle_allowlist: String(data.get('failed_auth_throttle_allowlist') ?? '')
        .split('\n')
        .map((line) => line.trim())
        .filter((line) => line !== ''),
    };
    for (const key of NUMBER_KEYS) body[key] = Number(data.get(key));
    for (const key of BOOLEAN_KEYS) body[key] = data.has(key);
    setPending(true);
    try {
      await api.put<InstanceSettings>('/application/settings', body);
      setSaved('Application settings saved successfully.');
    } catch (error) {
      // Each field's element id is the setting's key, as the server names it.
      const refusal = toApiError(error);
      const fields = Object.fromEntries(refusal.fields.filter(({ field }) => (ALL_KEYS as string[]).includes(field)).map(({ field, message }) => [field, message]));
      setErrors(fields);
      setFailure(Object.keys(fields).length > 0 ? null : refusal.reason);
      focusFirstError(form, fields);
    } finally {
      setPending(false);
    }
  };

  return (
    <form className="form" onSubmit={submit} noValidate>
      {failure ? <Notice kind="error">{failure}</Notice> : null}
      <section className="card" aria-labelledby="tokens-title">
        <h2 id="tokens-title">Access tokens</h2>
        <TextField
          id="personal_access_token_prefix"
          label="Personal access token prefix"
          hint="Starts every new personal, group and project access token, so secret scanners recognise them. Letters, digits, “_”, “-” and “.”; at most 20."
          defaultValue={initial.personal_access_token_prefix}
          maxLength={20}
          pattern="[a-zA-Z0-9_.\-]{0,20}"
          className="mono"
          error={errors.personal_access_token_prefix}
        />
        <NumberField
          id="max_personal_access_token_lifetime"
          label="Maximum allowable lifetime for access tokens (days)"
          hint="1 to 400. Tokens created without an expiration date get this lifetime."
          required
          max={400}
          defaultValue={initial.max_personal_access_token_lifetime}
          error={errors.max_personal_access_token_lifetime}
        />
        <CheckboxField
          id="require_personal_access_token_expiry"
          label="Require expiration date for access tokens"
          hint="When cleared, tokens created without an expiration date never expire."
          defaultChecked={initial.require_personal_access_token_expiry}
          error={errors.require_personal_access_token_expiry}
        />
        <NumberField
          id="inactive_resource_access_tokens_delete_after_days"
          label="Inactive group and project access token retention (days)"
          hint="Bot users whose tokens have all been revoked or expired for this many days are removed. Leave blank to keep them forever."
          defaultValue={initial.inactive_resource_access_tokens_delete_after_days ?? ''}
          error={errors.inactive_resource_access_tokens_delete_after_days}
        />
        <SelectField
          id="token_reuse_detection"
          label="Token reuse detection"
          hint="When a token that was rotated away is presented again, every token rotated from it is revoked."
          defaultValue={initial.token_reuse_detection}
          error={errors.token_reuse_detection}
        >
          <option value="rotate">On rotation requests (GitLab's behaviour)</option>
          <option value="any_use">On any request</option>
          <option value="off">Off</option>
        </SelectField>
      </section>
      <section className="card" aria-labelledby="git-title">
        <h2 id="git-title">Git and container registry authentication ban</h2>
        <CheckboxField
          id="failed_auth_ban_enabled"
          label="Ban IP addresses after repeated failed Git or registry authentications"
          defaultChecked={initial.failed_auth_ban_enabled}
          error={errors.failed_auth_ban_enabled}
        />
        <div className="field-row">
          <NumberField
            id="failed_auth_ban_max_attempts"
            label="Failed attempts before a ban"
            required
            defaultValue={initial.failed_auth_ban_max_attempts}
            error={errors.failed_auth_ban_max_attempts}
          />
          <NumberField
            id="failed_auth_ban_find_time_seconds"
            label="Counting period (seconds)"
            required
            defaultValue={initial.failed_auth_ban_find_time_seconds}
            error={errors.failed_auth_ban_find_time_seconds}
          />
          <NumberField
            id="failed_auth_ban_duration_seconds"
            label="Ban duration (seconds)"
            required
            defaultValue={initial.failed_auth_ban_duration_seconds}
            error={errors.failed_auth_ban_duration_seconds}
          />
        </div>
      </section>
      <section className="card" aria-labelledby="throttle-title">
        <h2 id="throttle-title">API limits</h2>
        <NumberField
          id="api_failed_auth_limit_per_minute"
          label="Failed token authentications per minute from one address"
          hint="On the API and forward auth. Past this many in a minute, the address's requests with a token answer 429 until the minute ends, except tokens that worked from it in the last hour. 0 turns the limit off."
          required
          min={0}
          defaultValue={initial.api_failed_auth_limit_per_minute}
          error={errors.api_failed_auth_limit_per_minute}
        />
        <TextArea
          id="failed_auth_throttle_allowlist"
          label="Addresses the limit never holds back"
          hint="One IP address or CIDR network per line, at most 50 (monitoring hosts). None by default, loopback included."
          rows={3}
          className="mono"
          defaultValue={initial.failed_auth_throttle_allowlist.join('\n')}
          error={errors.failed_auth_throttle_allowlist}
        />
        <NumberField
          id="token_creations_limit_per_minute"
          label="Token creations per user per minute"
          hint="Personal, group and project access tokens together. 0 for no limit."
          required
          min={0}
          defaultValue={initial.token_creations_limit_per_minute}
          error={errors.token_creations_limit_per_minute}
        />
      </section>
      <p className="status-line" role="status">
        {saved}
      </p>
      <div className="actions">
        <button type="submit" className="button primary" disabled={pending} aria-busy={pending || undefined}>
          Save changes
        </button>
      </div>
    </form>
  );
}
