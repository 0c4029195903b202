import { useRef, useState, type FormEvent } from 'react';
import { api, type Group } from '../api';
import { toApiError } from '../hooks';
import { Notice, SelectField, TextField, focusFirstError, showServerError, validateForm } from './fields';

const PATH_PATTERN = '[a-zA-Z0-9_][a-zA-Z0-9_.\\-]*';

/** "My Group" → "my-group": what GitLab suggests for the URL until the user edits it. */
const suggestPath = (name: string) =>
  name
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9_.-]+/g, '-')
    .replace(/^[-.]+|-+$/g, '');

/** The form's element for each field the server names in a refusal. */
const FIELD_IDS: Record<string, string> = { name: 'name', path: 'path', visibility: 'visibility' };

export function NewGroupForm({ parent, onCreated, onCancel }: { parent?: Group; onCreated(group: Group): void; onCancel(): void }) {
  const form = useRef<HTMLFormElement>(null);
  const [name, setName] = useState('');
  const [path, setPath] = useState<string | null>(null);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [failure, setFailure] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  const shownPath = path ?? suggestPath(name);

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const target = event.currentTarget;
    const found = validateForm(target);
    setErrors(found);
    setFailure(null);
    if (Object.keys(found).length > 0) return focusFirstError(target, found);
    const visibility = String(new FormData(target).get('visibility'));
    setPending(true);
    try {
      onCreated(await api.post<Group>('/groups', { name, path: shownPath, visibility, ...(parent ? { parent_id: parent.id } : {}) }));
    } catch (error) {
      showServerError(target, toApiError(error), FIELD_IDS, setErrors, setFailure);
      setPending(false);
    }
  };

  return (
    <form ref={form} className="card form" onSubmit={submit} noValidate aria-labelledby="new-group-title">
      <h2 id="new-group-title">{parent ? `New subgroup of ${parent.name}` : 'New group'}</h2>
      {failure ? <Notice kind="error">{failure}</Notice> : null}
      <TextField id="name" label="Group name" required maxLength={255} value={name} onChange={(e) => setName(e.target.value)} error={errors.name} autoFocus />
      <TextField
        id="path"
        label="Group URL"
        hint={`Letters, digits, "_", "-" and "."; becomes /groups/${parent ? `${parent.full_path}/` : ''}${shownPath || '…'}`}
        required
        maxLength={255}
        pattern={PATH_PATTERN}
        value={shownPath}
        onChange={(e) => setPath(e.target.value)}
        error={errors.path}
      />
      <SelectField id="visibility" label="Visibility level" defaultValue="private" error={errors.visibility}>
        <option value="private">Private</option>
        <option value="internal">Internal</option>
        <option value="public">Public</option>
      </SelectField>
      <div className="actions">
        <button type="submit" className="button primary" disabled={pending} aria-busy={pending || undefined}>
          {parent ? 'Create subgroup' : 'Create group'}
        </button>
        <button type="button" className="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
