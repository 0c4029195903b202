import { useEffect, useRef, useState } from 'react';

/**
 * The one time a token value is shown. Masked until revealed; the field has a fixed width and the
 * buttons fixed sizes, so revealing or copying moves nothing on the page.
 */
export function NewTokenPanel({ token, label = 'Your new group access token' }: { token: string; label?: string }) {
  const [revealed, setRevealed] = useState(false);
  const [copyStatus, setCopyStatus] = useState('');
  const input = useRef<HTMLInputElement>(null);

  useEffect(() => {
    setRevealed(false);
    setCopyStatus('');
    input.current?.focus();
  }, [token]);

  const copy = async () => {
    try {
      await navigator.clipboard.writeText(token);
      setCopyStatus('Copied to the clipboard.');
    } catch {
      // No clipboard API (plain HTTP on a remote host): select the value so Ctrl+C copies it.
      setRevealed(true);
      requestAnimationFrame(() => input.current?.select());
      setCopyStatus('Select and copy the token (it is selected for you).');
    }
  };

  return (
    <div className="new-token">
      <label htmlFor="new-token-value">{label}</label>
      <div className="new-token-row">
        <input
          ref={input}
          id="new-token-value"
          className="mono"
          type={revealed ? 'text' : 'password'}
          readOnly
          value={token}
          autoComplete="off"
          spellCheck={false}
          aria-describedby="new-token-warning"
        />
        <button type="button" className="button fixed" onClick={() => setRevealed((r) => !r)} aria-controls="new-token-value">
          {revealed ? 'Hide token' : 'Reveal token'}
        </button>
        <button type="button" className="button fixed" onClick={copy}>
          Copy
        </button>
      </div>
      <p id="new-token-warning" className="warning-text">
        Make sure you save it — you won't be able to access it again. After you leave or refresh this page, it is not shown anymore.
      </p>
      <p className="copy-status" role="status">
        {copyStatus}
      </p>
    </div>
  );
}
