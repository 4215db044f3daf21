import { useState } from 'preact/hooks';
import type { SettingsView } from '../utils/settings';

interface Props {
  settings: SettingsView;
  onSave(values: { repositoryUrl: string; token: string }): Promise<string>;
}

/** Repository URL and token. The token is write-only: the page is told whether one is set, never its value. */
export function ConnectionForm({ settings, onSave }: Props) {
  const [repositoryUrl, setRepositoryUrl] = useState(settings.repositoryUrl);
  const [token, setToken] = useState('');
  const [message, setMessage] = useState('');
  const locked = settings.locked.includes('repositoryUrl');
  return (
    <form
      class="connection"
      onSubmit={async (event) => {
        event.preventDefault();
        setMessage(await onSave({ repositoryUrl: repositoryUrl.trim(), token: token.trim() }));
        setToken('');
      }}
    >
      <label>
        Repository URL
        <input
          name="repositoryUrl"
          type="url"
          value={repositoryUrl}
          placeholder="https://records.example.org"
          disabled={locked}
          onInput={(e) => setRepositoryUrl(e.currentTarget.value)}
        />
      </label>
      {locked && <p class="hint">Set by your organisation.</p>}
      <label>
        Access token
        <input
          name="token"
          type="password"
          autoComplete="off"
          value={token}
          placeholder={settings.hasToken ? 'A token is set — type to replace it' : 'rk_…'}
          onInput={(e) => setToken(e.currentTarget.value)}
        />
      </label>
      <button type="submit">Save</button>
      {message && (
        <p class="hint" role="status">
          {message}
        </p>
      )}
    </form>
  );
}
