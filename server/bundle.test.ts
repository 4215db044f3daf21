// @vitest-environment node
import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
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
