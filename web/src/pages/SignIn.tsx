import { useRef, useState, type FormEvent } from 'react';
import { api, setCsrfToken, type Session } from '../api';
import { Notice, TextField, focusFirstError, validateForm } from '../components/fields';
import { toApiError, useTitle } from '../hooks';

export function SignIn({ onSignedIn }: { onSignedIn(session: Session): void }) {
  useTitle('Sign in');
  const form = useRef<HTMLFormElement>(null);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [failure, setFailure] = useState<string | null>(null);
  const [pending, setPending] = useState(false);

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const target = event.currentTarget;
    const found = validateForm(target);
    setErrors(found);
    setFailure(null);
    if (Object.keys(found).length > 0) return focusFirstError(target, found);
    const data = new FormData(target);
    setPending(true);
    try {
      const session = await api.post<Session>('/session', { login: String(data.get('login')), password: String(data.get('password')) });
      setCsrfToken(session.csrf_token);
      onSignedIn(session);
    } catch (error) {
      setFailure(toApiError(error).reason);
      setPending(false);
      const password = target.elements.namedItem('password');
      if (password instanceof HTMLInputElement) {
        password.value = '';
        password.focus();
      }
    }
  };

  return (
    <main id="main" className="sign-in">
      <h1>Sign in to Tollgate</h1>
      <form ref={form} onSubmit={submit} noValidate className="card" aria-describedby={failure ? 'sign-in-failure' : undefined}>
        {failure ? (
          <div id="sign-in-failure">
            <Notice kind="error">{failure}</Notice>
          </div>
        ) : null}
        <TextField id="login" label="Username or primary email" autoComplete="username" required maxLength={255} autoFocus error={errors.login} />
        <TextField id="password" label="Password" type="password" autoComplete="current-password" required maxLength={1024} error={errors.password} />
        <button type="submit" className="button primary wide" disabled={pending} aria-busy={pending || undefined}>
          Sign in
        </button>
      </form>
      <p className="hint center">
        First start? Sign in as <code>root</code> with the password from <code>TOLLGATE_INITIAL_ROOT_PASSWORD</code> or the file{' '}
        <code>initial_root_password</code> in the data directory.
      </p>
    </main>
  );
}
