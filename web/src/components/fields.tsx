import type { ApiError } from '../api';
import { useEffect, useRef, type InputHTMLAttributes, type ReactNode, type SelectHTMLAttributes, type TextareaHTMLAttributes } from 'react';

/** ids of the hint and the error, for aria-describedby. */
function describedBy(id: string, hint: ReactNode, error: string | undefined): string | undefined {
  const ids = [hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean);
  return ids.length ? ids.join(' ') : undefined;
}

export function FieldError({ id, error }: { id: string; error: string | undefined }) {
  return error ? (
    <p className="field-error" id={`${id}-error`}>
      {error}
    </p>
  ) : null;
}

interface FieldProps {
  id: string;
  label: ReactNode;
  hint?: ReactNode;
  error?: string | undefined;
}

/** What every control of a field carries: its id and name, and the hint and error it is described by. */
function controlAttributes({ id, hint, error }: FieldProps) {
  return { id, name: id, 'aria-invalid': error ? true : undefined, 'aria-describedby': describedBy(id, hint, error) };
}

function FieldHelp({ id, hint, error }: FieldProps) {
  return (
    <>
      {hint ? (
        <p className="hint" id={`${id}-hint`}>
          {hint}
        </p>
      ) : null}
      <FieldError id={id} error={error} />
    </>
  );
}

/** Label above, control, then its hint and error. */
function Field({ children, ...field }: FieldProps & { children: ReactNode }) {
  return (
    <div className="field">
      <label htmlFor={field.id}>{field.label}</label>
      {children}
      <FieldHelp {...field} />
    </div>
  );
}

export function TextField({ id, label, hint, error, ...input }: FieldProps & InputHTMLAttributes<HTMLInputElement>) {
  const field = { id, label, hint, error };
  return (
    <Field {...field}>
      <input {...controlAttributes(field)} {...input} />
    </Field>
  );
}

/** A whole number of at least 1 (days, attempts, seconds): a text field with the numeric keyboard. */
export function NumberField(props: FieldProps & InputHTMLAttributes<HTMLInputElement>) {
  return <TextField type="number" inputMode="numeric" min={1} step={1} {...props} />;
}

export function TextArea({ id, label, hint, error, ...input }: FieldProps & TextareaHTMLAttributes<HTMLTextAreaElement>) {
  const field = { id, label, hint, error };
  return (
    <Field {...field}>
      <textarea {...controlAttributes(field)} {...input} />
    </Field>
  );
}

export function SelectField({ id, label, hint, error, children, ...select }: FieldProps & SelectHTMLAttributes<HTMLSelectElement>) {
  const field = { id, label, hint, error };
  return (
    <Field {...field}>
      <select {...controlAttributes(field)} {...select}>
        {children}
      </select>
    </Field>
  );
}

/** The box first, its label beside it. */
export function CheckboxField({ id, label, hint, error, ...input }: FieldProps & InputHTMLAttributes<HTMLInputElement>) {
  const field = { id, label, hint, error };
  return (
    <div className="field checkbox">
      <input type="checkbox" {...controlAttributes(field)} {...input} />
      <div>
        <label htmlFor={id}>{label}</label>
        <FieldHelp {...field} />
      </div>
    </div>
  );
}

/** A form-level message: errors are announced at once, successes politely. */
export function Notice({ kind, children }: { kind: 'error' | 'success' | 'info' | 'warning'; children: ReactNode }) {
  return (
    <div className={`notice notice-${kind}`} role={kind === 'error' ? 'alert' : 'status'}>
      {children}
    </div>
  );
}

/** The page's h1 takes focus when the page opens, so keyboard and screen-reader users start there. */
export function PageHeading({ children, focus = true }: { children: ReactNode; focus?: boolean }) {
  const ref = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    if (focus) ref.current?.focus({ preventScroll: true });
  }, [focus]);
  return (
    <h1 ref={ref} tabIndex={-1}>
      {children}
    </h1>
  );
}

/** Browser-side validation with the browser's own rules and messages, shown beside each field. */
export function validateForm(form: HTMLFormElement): Record<string, string> {
  const errors: Record<string, string> = {};
  for (const element of Array.from(form.elements)) {
    if (!(element instanceof HTMLInputElement || element instanceof HTMLTextAreaElement || element instanceof HTMLSelectElement)) continue;
    if (!element.willValidate || element.validity.valid) continue;
    if (!errors[element.name]) errors[element.name] = element.validationMessage;
  }
  return errors;
}

/**
 * Shows a refusal beside the fields the server named (`fieldIds` maps its field names to the
 * form's element ids), or above the form when it names none of them.
 */
export function showServerError(
  form: HTMLFormElement,
  error: ApiError,
  fieldIds: Record<string, string>,
  setErrors: (errors: Record<string, string>) => void,
  setFailure: (text: string) => void,
): void {
  const found: Record<string, string> = {};
  for (const { field, message } of error.fields) {
    const id = fieldIds[field];
    if (id) found[id] = found[id] ? `${found[id]}, ${message}` : message;
  }
  if (Object.keys(found).length > 0) {
    setErrors(found);
    focusFirstError(form, found);
  } else {
    setFailure(error.reason);
  }
}

/** Moves focus to the first field that has an error (by field id). */
export function focusFirstError(form: HTMLFormElement | null, errors: Record<string, string | undefined>): void {
  if (!form) return;
  for (const element of Array.from(form.elements)) {
    if ((element instanceof HTMLElement && element.id && errors[element.id]) || (element instanceof HTMLInputElement && errors[element.name])) {
      element.focus();
      return;
    }
  }
}
