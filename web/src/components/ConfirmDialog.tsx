import { useEffect, useId, useRef, useState, type ReactNode } from 'react';
import { toApiError } from '../hooks';

interface ConfirmDialogProps {
  title: string;
  children: ReactNode;
  /** The confirm button's text: the action's name ("Rotate", "Revoke"). */
  confirmLabel: string;
  danger?: boolean;
  /** Runs the action; a thrown error is shown in the dialog, which stays open. */
  onConfirm(): Promise<void>;
  onClose(): void;
}

/**
 * A modal confirmation on the native <dialog>: the browser traps focus inside it, makes the page
 * behind it inert and closes it on Escape. Cancel has the initial focus, so Enter alone never
 * destroys anything.
 */
export function ConfirmDialog({ title, children, confirmLabel, danger, onConfirm, onClose }: ConfirmDialogProps) {
  const ref = useRef<HTMLDialogElement>(null);
  const cancel = useRef<HTMLButtonElement>(null);
  const titleId = useId();
  const bodyId = useId();
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
    // showModal focuses the first control, which may be one of the body's (the rotate dialog's
    // overlap window): Cancel it is, whatever the body holds.
    cancel.current?.focus();
    return () => dialog?.close();
  }, []);

  const confirm = async () => {
    setPending(true);
    setError(null);
    try {
      await onConfirm();
    } catch (caught) {
      setError(toApiError(caught).reason);
      setPending(false);
    }
  };

  return (
    <dialog
      ref={ref}
      className="dialog"
      aria-labelledby={titleId}
      aria-describedby={bodyId}
      onCancel={(event) => {
        event.preventDefault();
        if (!pending) onClose();
      }}
    >
      <h2 id={titleId}>{title}</h2>
      <div id={bodyId}>{children}</div>
      {error ? (
        <p className="field-error" role="alert">
          {error}
        </p>
      ) : null}
      <div className="actions">
        <button ref={cancel} type="button" className="button" autoFocus onClick={onClose} disabled={pending}>
          Cancel
        </button>
        <button type="button" className={`button ${danger ? 'danger' : 'primary'}`} onClick={confirm} disabled={pending} aria-busy={pending || undefined}>
          {confirmLabel}
        </button>
      </div>
    </dialog>
  );
}
