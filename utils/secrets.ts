import { type DBSchema, type IDBPDatabase, openDB } from 'idb';
import type { CredentialStore } from './connectors/connector';

/**
 * Secrets (repository tokens, passwords, OAuth refresh tokens) in the extension's own IndexedDB. Content scripts
 * run in the page's origin and cannot open the extension's databases, whereas they can read `storage.local`; so
 * no secret is ever kept there (issue 10 item 8). Only the background opens this database: extension pages ask
 * it through messages and are told whether a secret is set, never its value.
 *
 * Each connector sees its own secrets only: `credentialsFor(id)` scopes the names (`records-api/token`).
 */

interface SecretsSchema extends DBSchema {
  secrets: { key: string; value: { name: string; value: string; updatedAt: number } };
}

export const SECRETS_DB = 'recordkeeper-secrets';
const VERSION = 1;

export function openSecrets(name: string = SECRETS_DB): Promise<IDBPDatabase<SecretsSchema>> {
  return openDB<SecretsSchema>(name, VERSION, {
    upgrade(db, oldVersion) {
      if (oldVersion < 1) db.createObjectStore('secrets', { keyPath: 'name' });
    },
  });
}

/** One database connection per call: the service worker may stop at any time, and a handle must not outlive it. */
async function withSecrets<T>(work: (db: IDBPDatabase<SecretsSchema>) => Promise<T>, name?: string): Promise<T> {
  const db = await openSecrets(name);
  try {
    return await work(db);
  } finally {
    db.close();
  }
}

export interface SecretStore extends CredentialStore {
  /** Every secret's name, for the options page's "is it set?" and for clearing a connection. */
  names(): Promise<string[]>;
  /** Removes every secret whose name starts with `prefix` (all of them when empty). */
  clear(prefix?: string): Promise<void>;
}

/** The extension's secrets, by full name (`<connector>/<secret>`). */
export function secretStore(database: string = SECRETS_DB): SecretStore {
  return {
    get: (name) => withSecrets(async (db) => (await db.get('secrets', name))?.value, database),
    set: (name, value) =>
      withSecrets(async (db) => {
        await db.put('secrets', { name, value, updatedAt: Date.now() });
      }, database),
    delete: (name) => withSecrets((db) => db.delete('secrets', name), database),
    names: () => withSecrets((db) => db.getAllKeys('secrets'), database),
    clear: (prefix = '') =>
      withSecrets(async (db) => {
        const tx = db.transaction('secrets', 'readwrite');
        const names = (await tx.store.getAllKeys()).filter((name) => name.startsWith(prefix));
        await Promise.all([...names.map((name) => tx.store.delete(name)), tx.done]);
      }, database),
  };
}

/** The secrets one connector may read and write: names are scoped to it, so connectors never see each other's. */
export function credentialsFor(connectorId: string, store: SecretStore = secretStore()): CredentialStore {
  const scoped = (name: string) => `${connectorId}/${name}`;
  return {
    get: (name) => store.get(scoped(name)),
    set: (name, value) => store.set(scoped(name), value),
    delete: (name) => store.delete(scoped(name)),
  };
}
