/** Where bundles are written (server/bundle.mjs). */
export const BUNDLES: string;
/** The module at `entry` (a .ts file) and what it imports from this repository, bundled into one file: its URL. */
export function bundle(entry: URL): Promise<URL>;
