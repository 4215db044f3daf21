/**
 * `npm start`: the reference repository with demo presets and a demo token, and the extension built already
 * pointed at it. Launches Chromium with the extension when a display is available.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { startServer } from '../server/main.ts';
import { EXTENSION_ID } from '../utils/extension-id.ts';

const port = Number(process.env.PORT ?? 8787);
const dataDir = resolve(process.env.RK_DATA ?? '.data');
const chromeBuild = resolve('.output/chrome-mv3');
const firefoxBuild = resolve('.output/firefox-mv2');

function run(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((done, fail) => {
    const child = spawn(command, args, { stdio: 'inherit', env: { ...process.env, ...env } });
    child.on('exit', (code) =>
      code === 0 ? done() : fail(new Error(`${command} ${args.join(' ')} exited with ${code}`)),
    );
  });
}

async function demoToken(server: Awaited<ReturnType<typeof startServer>>): Promise<string> {
  const file = join(dataDir, 'demo-token');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const token = await server.createToken('demo');
  writeFileSync(file, `${token}\n`, { mode: 0o600 });
  return token;
}

mkdirSync(dataDir, { recursive: true });
// The demo build carries the repository URL and token but holds no host permission for it until someone grants
// one in options, so the repository lets this extension's own origin call it (CORS). Nothing else is allowed.
const server = await startServer({ port, dataDir, corsOrigins: [`chrome-extension://${EXTENSION_ID}`] }).catch(
  (error: NodeJS.ErrnoException) => {
    console.error(
      error.code === 'EADDRINUSE'
        ? `Port ${port} is already in use. Stop what runs there, or start on another port: PORT=8788 npm start`
        : `The repository could not start: ${error.message}`,
    );
    process.exit(1);
  },
);
const token = await demoToken(server);
const env = { WXT_REPOSITORY_URL: server.url, WXT_REPOSITORY_TOKEN: token };
await run('npx', ['wxt', 'build', '-b', 'chrome'], env);
await run('npx', ['wxt', 'build', '-b', 'firefox'], env);

console.info(`
Recordkeeper is ready.

  Repository   ${server.url}   (data in ${dataDir})
  Demo token   ${token}
  Extension    ${chromeBuild}   (id ${EXTENSION_ID})
               ${firefoxBuild}

The extension is already configured for this repository and token.
Load it in Chrome or Edge: open chrome://extensions, switch on Developer mode, choose "Load unpacked" and pick
${chromeBuild}. In Firefox: about:debugging → This Firefox → Load Temporary Add-on → ${firefoxBuild}/manifest.json.
Then open a web page or Gmail message and press the Recordkeeper button. Ctrl+C stops the repository.
`);

const browserBinary = ['/usr/bin/chromium', '/usr/bin/google-chrome'].find(existsSync);
if (process.env.DISPLAY && browserBinary && !process.env.CI) {
  console.info(`Launching ${browserBinary} with the extension loaded.`);
  const child = spawn(
    browserBinary,
    [
      `--user-data-dir=${join(dataDir, 'browser-profile')}`,
      `--disable-extensions-except=${chromeBuild}`,
      `--load-extension=${chromeBuild}`,
      '--no-first-run',
      `${server.url}/`,
    ],
    { stdio: 'ignore', detached: true },
  );
  child.unref();
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    server.close().finally(() => process.exit(0));
  });
}
