// The server's TypeScript, run without a loader: esbuild (the compiler tsx uses, already a dependency) bundles an
// entry and every file it imports into one ES module when the process starts. Plain JavaScript so that Node runs it
// as it is (server/run.mjs starts here); server/bundle.d.mts gives its types.
//
// Why: `node --import tsx` registers tsx's loader, which Node 20 runs in a thread of its own with the compiler's
// code, for the whole life of the process. Running the server from a bundle instead took 22 MB off the process on
// PostgreSQL (peak with a 500 MB part 131–138 → 109–110 MB) and 48 MB on PGlite (274–276 → 227–228 MB), with
// PGlite's worker thread (server/db-pglite.ts) already bundled the same way (December 2026, bench/server-ingest.ts).
import { createHash, randomUUID } from 'node:crypto';
import { lstat, mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build, stop } from 'esbuild';

/**
 * Where bundles are written: one file per content, so every process of a version shares the same file; one folder
 * per user, so that users of one machine do not share it.
 */
export const BUNDLES = join(tmpdir(), `recordkeeper-bundles-${process.getuid?.() ?? 'user'}`);

/**
 * The module at `entry` (a file: URL of a .ts file) and everything it imports from this repository, as one ES module
 * file (its file: URL is the answer):
 * - packages stay outside, imported by the absolute `file:` URL of the package's own file, so the bundle runs from
 *   any folder;
 * - other .mjs files of the repository (this one) stay outside too, imported by their file URL, so that they keep
 *   their own `import.meta`;
 * - `import.meta.url`, `import.meta.filename` and `import.meta.dirname` in each bundled file name that file, as
 *   they did when it ran on its own;
 * - a source map beside it, so that with `--enable-source-maps` (package.json, `npm run server`) stack traces name
 *   the TypeScript file and line. Node 20 maps no module loaded from a `data:` URL, hence a file.
 *
 * The file is `<BUNDLES>/<entry name>.<digest of the code>.mjs`, written to a temporary name and renamed, so that
 * processes starting together (or a server and its worker) never read half a file. Then the bundles of other
 * versions that no process has written for a day are removed (`prune`). Throws esbuild's first error when the code
 * does not build, and the file system's when the folder cannot be written.
 *
 * @param {URL} entry
 * @returns {Promise<URL>}
 */
export async function bundle(entry) {
  const { outputFiles } = await build({
    entryPoints: [fileURLToPath(entry)],
    outfile: join(BUNDLES, 'out.mjs'),
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    sourcemap: 'external',
    sourcesContent: false,
    logLevel: 'silent',
    plugins: [
      {
        name: 'outside-by-url',
        setup(build) {
          build.onResolve({ filter: /^[^./]/ }, ({ path }) => ({
            path: path.startsWith('node:') ? path : import.meta.resolve(path),
            external: true,
          }));
          build.onResolve({ filter: /\.mjs$/ }, ({ path, resolveDir }) => ({
            path: pathToFileURL(join(resolveDir, path)).href,
            external: true,
          }));
          build.onLoad({ filter: /\.tsx?$/ }, async ({ path }) => {
            const own = {
              'import.meta.url': JSON.stringify(pathToFileURL(path).href),
              'import.meta.filename': JSON.stringify(path),
              'import.meta.dirname': JSON.stringify(dirname(path)),
            };
            const source = await readFile(path, 'utf8');
            const contents = source.replace(/\bimport\.meta\.(?:url|filename|dirname)\b/g, (found) => own[found]);
            return { contents, loader: path.endsWith('x') ? 'tsx' : 'ts' };
          });
        },
      },
    ],
  }).finally(stop);
  // `stop` ends esbuild's service process (11 MB, otherwise idle for the server's life) for this thread; a later
  // call starts a new one.
  const code = outputFiles.find((file) => file.path.endsWith('.mjs')).text;
  const map = outputFiles.find((file) => file.path.endsWith('.map')).text;
  const name = `${basename(entry.pathname).replace(/\.tsx?$/, '')}.${createHash('sha256').update(code).update(map).digest('hex').slice(0, 16)}`;
  const path = join(BUNDLES, `${name}.mjs`);
  await ownFolder(BUNDLES);
  await publish(`${path}.map`, map);
  await publish(path, `${code}//# sourceMappingURL=${name}.mjs.map\n`);
  // Once per process: the server's bundle and its PGlite worker's look at the same folder.
  pruned ??= prune(BUNDLES, Date.now() - BUNDLE_KEPT_MS);
  await pruned;
  return pathToFileURL(path);
}

/** @type {Promise<void> | undefined} */
let pruned;

/**
 * How long a bundle is kept after a process last wrote it. Every process writes its version's files as it starts
 * (`publish`), so only a version nobody has started for this long goes; a process that already runs one has read
 * it, source map included (Node reads the map when it loads the module), and needs it no more.
 */
const BUNDLE_KEPT_MS = 24 * 60 * 60 * 1000;

/** A bundle, its source map, or one of them half written (`publish`): the only files `prune` may remove. */
const BUNDLER_FILE = /^[\w-]+\.[0-9a-f]{16}\.mjs(\.map)?(\.[0-9a-f-]{36}\.tmp)?$/;

/**
 * Removes the bundler's files in `dir` last written before `before` (ms since the epoch), so that the folder does
 * not grow by a version at every upgrade. A file another process removed first is no error; any other failure is
 * reported on stderr, and the server starts all the same.
 *
 * @param {string} dir
 * @param {number} before
 */
async function prune(dir, before) {
  for (const name of await readdir(dir)) {
    if (!BUNDLER_FILE.test(name)) continue;
    const file = join(dir, name);
    try {
      if ((await stat(file)).mtimeMs < before) await rm(file);
    } catch (error) {
      if (error?.code !== 'ENOENT') console.warn(`Could not remove the old bundle ${file}: ${error?.message ?? error}`);
    }
  }
}

/**
 * Makes `dir` (mode 0700) unless it exists, then checks that it is a folder of this user's that nobody else can
 * write to: the process imports code from it, and in a shared temporary folder another user could otherwise have
 * made it first and swap a bundle between its rename and its import. Not checked where Node has no user ids
 * (Windows).
 */
async function ownFolder(dir) {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const info = await lstat(dir);
  const uid = process.getuid?.();
  if (uid === undefined) return;
  if (!info.isDirectory() || info.uid !== uid || (info.mode & 0o022) !== 0) {
    const mode = (info.mode & 0o777).toString(8);
    throw new Error(
      `${dir} is not a folder of this user's that only it can write to (owner ${info.uid}, mode ${mode}): remove it, or set TMPDIR`,
    );
  }
}

/** Writes `text` to `path` whole or not at all: to a temporary name first, then renamed onto it. */
async function publish(path, text) {
  const temp = `${path}.${randomUUID()}.tmp`;
  await writeFile(temp, text);
  await rename(temp, path);
}
