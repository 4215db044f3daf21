import type { CredentialStore } from './connector';
import type { DeliveryProgress, ProgressStore } from './deliver';

/**
 * In-memory stores for the seam's interfaces: for tools that deliver one record outside the extension, and for
 * tests. Each copy is cloned on the way in and out, as IndexedDB would, so no caller can change what was saved.
 */

export function memoryCredentials(values: Record<string, string> = {}): CredentialStore {
  const map = new Map(Object.entries(values));
  return {
    get: async (name) => map.get(name),
    set: async (name, value) => void map.set(name, value),
    delete: async (name) => void map.delete(name),
  };
}

export interface MemoryProgress extends ProgressStore {
  /** What was last saved, as the outbox would hold it. */
  peek(): DeliveryProgress | undefined;
  /** How many times progress was saved. */
  saves(): number;
}

export function memoryProgress(initial?: DeliveryProgress): MemoryProgress {
  let saved: unknown = initial === undefined ? undefined : structuredClone(initial);
  let count = 0;
  return {
    get: async () => (saved === undefined ? undefined : structuredClone(saved)),
    save: async (progress) => {
      count += 1;
      saved = structuredClone(progress);
    },
    peek: () => saved as DeliveryProgress | undefined,
    saves: () => count,
  };
}
