// @vitest-environment node
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { finished } from './test/child-server.ts';
import { tempFolders } from './test/support.ts';

/** server/bundle.mjs: how `npm run server` and PGlite's worker run the server's TypeScript without a loader. */
const folders = tempFolders('rk-bundle-');
afterAll(() => folders.removeAll());

const bundler = new URL('./bundle.mjs', import.meta.url).href;

/**
 * Bundles `entry` and imports it in a Node of its own, as `npm run server` runs (plain `node`, no loader, source
 * maps on): answers what the module's `report()` returns, or the stack of what it threw.
 */
async function runBundled(entry: string) {
  const script = `
    const { bundle } = await import(${JSON.stringify(bundler)});
    try {
      const file = await bundle(new URL(${JSON.stringify(pathToFileURL(entry).href)}));
      // Read once imported (its source map too): this test's bundles are not left in the shared folder.
      const module = await import(file.href);
      const { rm } = await import('node:fs/promises');
      await Promise.all([rm(file), rm(new URL(file.href + '.map'))]);
      console.log(JSON.stringify({ report: await module.report() }));
    } catch (error) {
      console.log(JSON.stringify({ message: error.message, stack: error.stack }));
    }`;
  const child = spawn(process.execPath, ['--enable-source-maps', '--input-type=module', '-e', script], {
    stdio: 'pipe',
  });
  const { code, stdout, stderr } = await finished(child);
  expect(code, stderr).toBe(0);
  return JSON.parse(stdout) as { report?: Record<string, unknown>; message?: string; stack?: string };
}

describe('bundle', () => {
  it('gives each bundled file its own import.meta, and imports packages from where they are installed', async () => {
    const dir = folders.make();
    writeFileSync(
      join(dir, 'inner.ts'),
      'export const inner: Record<string, string> = { url: import.meta.url, filename: import.meta.filename, dirname: import.meta.dirname };\n',
    );
    writeFileSync(
      join(dir, 'entry.ts'),
      [
        "import * as v from 'valibot';",
        "import { inner } from './inner.ts';",
        'export const report = () => ({',
        '  inner,',
        '  entry: import.meta.url,',
        "  worker: new URL('./worker.ts', import.meta.url).href,",
        "  parsed: v.parse(v.string(), 'ok'),",
        '});',
        '',
      ].join('\n'),
    );
    const { report } = await runBundled(join(dir, 'entry.ts'));
    expect(report).toEqual({
      inner: { url: pathToFileURL(join(dir, 'inner.ts')).href, filename: join(dir, 'inner.ts'), dirname: dir },
      entry: pathToFileURL(join(dir, 'entry.ts')).href,
      worker: pathToFileURL(join(dir, 'worker.ts')).href,
      parsed: 'ok',
    });
  });

  it('names the TypeScript file and line in the stack of an error, not the data: URL', async () => {
    const dir = folders.make();
    writeFileSync(
      join(dir, 'fails.ts'),
      [
        'interface Shape {',
        '  sides: number;',
        '}',
        'export function report(shape: Shape = { sides: 3 }): never {',
        "  throw new Error('a shape of ' + shape.sides + ' sides');",
        '}',
        '',
      ].join('\n'),
    );
    const { message, stack } = await runBundled(join(dir, 'fails.ts'));
    expect(message).toBe('a shape of 3 sides');
    expect(stack).toContain(`${join(dir, 'fails.ts')}:5:`);
    expect(stack).not.toContain('data:');
  });

  it('rejects with the compiler’s message when the code does not build', async () => {
    const dir = folders.make();
    writeFileSync(join(dir, 'broken.ts'), "import { gone } from './missing.ts';\nexport const report = () => gone;\n");
    const { message } = await runBundled(join(dir, 'broken.ts'));
    expect(message).toMatch(/Could not resolve "\.\/missing\.ts"/);
  });

  it('stops the repository with one line and exit code 1 when the bundle cannot be written', async () => {
    const file = join(folders.make(), 'not-a-folder');
    writeFileSync(file, '');
    const child = spawn(process.execPath, ['server/run.mjs', '--help'], {
      cwd: new URL('..', import.meta.url).pathname,
      env: { ...process.env, TMPDIR: file },
      stdio: 'pipe',
    });
    const { code, stdout, stderr } = await finished(child);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr.trim()).toBe(
      `The repository could not be started: ENOTDIR: not a directory, mkdir '${file}/recordkeeper-bundles-${process.getuid!()}'`,
    );
  });

  it('removes bundles, source maps and half-written files no process has written for a day, and nothing else', async () => {
    const tmp = folders.make();
    const folder = join(tmp, `recordkeeper-bundles-${process.getuid!()}`);
    mkdirSync(folder, { mode: 0o700 });
    const twoDaysAgo = new Date(Date.now() - 2 * 86_400_000);
    const anHourAgo = new Date(Date.now() - 3_600_000);
    const files = {
      // An older version nobody has started for two days: its module, its map and a temporary file left by a crash.
      'cli.00000000000000aa.mjs': twoDaysAgo,
      'cli.00000000000000aa.mjs.map': twoDaysAgo,
      'cli.00000000000000aa.mjs.0b4c3c5e-8a8d-4a47-9f53-51a8f1a0e1b2.tmp': twoDaysAgo,
      // A version a process started an hour ago: it may still be starting, or start again.
      'cli.00000000000000bb.mjs': anHourAgo,
      'cli.00000000000000bb.mjs.map': anHourAgo,
      // Not the bundler's: left alone, whatever its age.
      'notes.txt': twoDaysAgo,
    };
    for (const [name, at] of Object.entries(files)) {
      writeFileSync(join(folder, name), '');
      utimesSync(join(folder, name), at, at);
    }
    // Named like a bundle but a folder, so it cannot be removed as a file: reported, and the server starts anyway.
    const stuck = join(folder, 'cli.00000000000000cc.mjs');
    mkdirSync(stuck);
    utimesSync(stuck, twoDaysAgo, twoDaysAgo);
    const child = spawn(process.execPath, ['server/run.mjs', '--help'], {
      cwd: new URL('..', import.meta.url).pathname,
      env: { ...process.env, TMPDIR: tmp },
      stdio: 'pipe',
    });
    const { code, stdout, stderr } = await finished(child);
    expect(code, stderr).toBe(0);
    expect(stdout).toMatch(/Usage/);
    expect(stderr.trim()).toMatch(new RegExp(`^Could not remove the old bundle ${stuck}: .+$`));
    const left = readdirSync(folder).sort();
    // This version's bundle and map, the recent version's, and the stranger.
    expect(left.filter((name) => !name.startsWith('cli.00000000000000'))).toEqual([
      expect.stringMatching(/^cli\.[0-9a-f]{16}\.mjs$/),
      expect.stringMatching(/^cli\.[0-9a-f]{16}\.mjs\.map$/),
      'notes.txt',
    ]);
    expect(left.filter((name) => name.startsWith('cli.00000000000000'))).toEqual([
      'cli.00000000000000bb.mjs',
      'cli.00000000000000bb.mjs.map',
      'cli.00000000000000cc.mjs',
    ]);
    expect(existsSync(join(folder, 'cli.00000000000000aa.mjs'))).toBe(false);
  });

  it('refuses a bundle folder that other users can write to, rather than run code from it', async () => {
    const tmp = folders.make();
    const folder = join(tmp, `recordkeeper-bundles-${process.getuid!()}`);
    mkdirSync(folder);
    chmodSync(folder, 0o777);
    const child = spawn(process.execPath, ['server/run.mjs', '--help'], {
      cwd: new URL('..', import.meta.url).pathname,
      env: { ...process.env, TMPDIR: tmp },
      stdio: 'pipe',
    });
    const { code, stdout, stderr } = await finished(child);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toMatch(
      /recordkeeper-bundles-\d+ is not a folder of this user's that only it can write to \(owner \d+, mode 777\)/,
    );
  });
});
