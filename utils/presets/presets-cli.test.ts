import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PRESETS } from '../../server/presets';
import { EXTENSION_ID, GECKO_ID } from '../extension-id';

const root = join(import.meta.dirname, '../..');
const dir = mkdtempSync(join(tmpdir(), 'rk-presets-cli-'));

function file(name: string, content: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

/** Runs the CLI as `npm run presets --` does, without blocking this process (the push tests serve it). */
function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'scripts/presets.ts', ...args],
      { cwd: root, env: { ...process.env, RECORDKEEPER_TOKEN: '' } },
      (error, stdout, stderr) => done({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

const valid = file('valid.json', { ...DEMO_PRESETS, repository: { url: 'https://records.example.org' } });

describe('presets validate', () => {
  it('says "valid" and exits 0 for a valid file, JSONC included', async () => {
    expect(await cli('validate', valid)).toMatchObject({ code: 0, stdout: `${valid}: valid\n` });
    expect((await cli('validate', join(root, 'docs/presets-example.jsonc'))).code).toBe(0);
  });

  it('lists each problem as path: message on stderr and exits 1', async () => {
    const broken = structuredClone(DEMO_PRESETS);
    broken.profiles[0]!.tagVocabulary = 'people';
    broken.rules[1]!.suggest.category = 'FIN/2';
    const result = await cli('validate', file('broken.json', broken));
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('$.profiles[0].tagVocabulary: unknown vocabulary "people"');
    expect(result.stderr).toContain('$.rules[1].suggest.category: unknown category "FIN/2"');
  });

  it('explains unreadable files and invalid JSON (exit 1), and wrong usage (exit 2)', async () => {
    const missing = await cli('validate', join(dir, 'nope.json'));
    expect(missing).toMatchObject({ code: 1, stderr: expect.stringContaining('Cannot read') });
    const notJson = await cli('validate', file('bad.json', '{"version": 7,,}'));
    expect(notJson).toMatchObject({ code: 1, stderr: expect.stringContaining('is not valid JSON') });
    expect((await cli('validate')).code).toBe(2);
    expect((await cli('frobnicate', valid)).code).toBe(2);
    expect((await cli('validate', valid, '--colour')).code).toBe(2);
  });
});

describe('presets policy', () => {
  it('prints the Chrome/Edge Linux policy JSON', async () => {
    const result = await cli('policy', valid, '--browser', 'chrome');
    expect(result.code).toBe(0);
    const { $schema: _, ...presets } = JSON.parse(readFileSync(valid, 'utf8'));
    expect(JSON.parse(result.stdout)).toEqual({
      '3rdparty': {
        extensions: {
          // Chromium passes only what managed_schema.json describes: the document travels as JSON text.
          [EXTENSION_ID]: {
            presets: JSON.stringify(presets),
            repositoryUrl: 'https://records.example.org',
            locked: ['repositoryUrl'],
          },
        },
      },
    });
  });

  it('adds force-install when given the update URL', async () => {
    const result = await cli('policy', valid, '--browser', 'edge', '--update-url', 'https://x.example/updates.xml');
    expect(JSON.parse(result.stdout).ExtensionInstallForcelist).toEqual([
      `${EXTENSION_ID};https://x.example/updates.xml`,
    ]);
  });

  it('uses a store-assigned extension id when given one', async () => {
    const storeId = 'abcdefghijklmnopabcdefghijklmnop';
    const result = await cli('policy', valid, '--browser', 'chrome', '--extension-id', storeId);
    expect(Object.keys(JSON.parse(result.stdout)['3rdparty'].extensions)).toEqual([storeId]);
    expect((await cli('policy', valid, '--browser', 'chrome', '--extension-id', 'xyz')).code).toBe(2);
  });

  it('prints the Windows registry form, presets as one JSON string value', async () => {
    const result = await cli('policy', valid, '--browser', 'edge', '--format', 'reg');
    expect(result.code).toBe(0);
    const key = `[HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\Microsoft\\Edge\\3rdparty\\extensions\\${EXTENSION_ID}\\policy]`;
    const lines = result.stdout.split('\r\n');
    expect(lines[0]).toBe('Windows Registry Editor Version 5.00');
    expect(lines).toContain(key);
    expect(lines).toContain('"repositoryUrl"="https://records.example.org"');
    const presetsLine = lines.find((line) => line.startsWith('"presets"="'))!;
    const unescaped = presetsLine.slice('"presets"="'.length, -1).replace(/\\(.)/g, '$1');
    expect(JSON.parse(unescaped).profiles[0].fields[0].pattern).toBe('^HR-\\d+$');
    expect(lines).toContain('"1"="repositoryUrl"');
    const chrome = await cli('policy', valid, '--browser', 'chrome', '--format', 'reg');
    expect(chrome.stdout).toContain('SOFTWARE\\Policies\\Google\\Chrome\\3rdparty\\extensions');
  });

  it('writes ADMX/ADML templates', async () => {
    const out = join(dir, 'admx');
    const result = await cli('policy', valid, '--browser', 'chrome', '--format', 'admx', '--out', out);
    expect(result.code).toBe(0);
    expect(readFileSync(join(out, 'recordkeeper-chrome.admx'), 'utf8')).toContain('valueName="presets"');
    expect(readFileSync(join(out, 'en-US', 'recordkeeper-chrome.adml'), 'utf8')).toContain('<presentationTable>');
    expect(JSON.parse(result.stdout).version).toBe(7);
  });

  it('prints Firefox policies.json', async () => {
    const result = await cli('policy', valid, '--browser', 'firefox', '--repository-url', 'https://r.example');
    expect(JSON.parse(result.stdout).policies['3rdparty'].Extensions[GECKO_ID]).toMatchObject({
      repositoryUrl: 'https://r.example',
      locked: ['repositoryUrl'],
      presets: { version: 7 },
    });
  });

  it('refuses a bad browser or format (exit 2) and an invalid file (exit 1)', async () => {
    expect((await cli('policy', valid, '--browser', 'safari')).code).toBe(2);
    expect((await cli('policy', valid, '--browser', 'firefox', '--format', 'reg')).code).toBe(2);
    expect((await cli('policy', valid, '--browser', 'chrome', '--format', 'admx')).code).toBe(2);
    expect((await cli('policy', file('empty.json', {}), '--browser', 'chrome')).code).toBe(1);
  });
});

describe('presets push', () => {
  const requests: { method?: string; url?: string; headers: IncomingMessage['headers']; body: string }[] = [];
  let reply: { status: number; body: unknown } = { status: 200, body: {} };
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => {
      body += chunk;
    });
    request.on('end', () => {
      requests.push({ method: request.method, url: request.url, headers: request.headers, body });
      response.writeHead(reply.status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(reply.body));
    });
  });
  let base = '';
  beforeAll(async () => {
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((done) => server.close(() => done())));

  it('PUTs the document to /api/v1/presets with the admin token and prints the stored version', async () => {
    requests.length = 0;
    reply = { status: 200, body: { version: 7 } };
    const result = await cli('push', valid, '--server', base, '--token', 'admin-secret');
    expect(result).toMatchObject({ code: 0, stdout: `Stored presets version 7 at ${base}/api/v1/presets\n` });
    expect(requests).toHaveLength(1);
    expect(requests[0]).toMatchObject({ method: 'PUT', url: '/api/v1/presets' });
    expect(requests[0]!.headers.authorization).toBe('Bearer admin-secret');
    expect(requests[0]!.headers['content-type']).toBe('application/json');
    expect(JSON.parse(requests[0]!.body)).toEqual(JSON.parse(readFileSync(valid, 'utf8')));
  });

  it("prints the server's problems on 422 and exits 1", async () => {
    reply = {
      status: 422,
      body: {
        type: 'presets-invalid',
        detail: 'The presets document has 1 problem(s), listed in "errors"',
        errors: [{ path: '$.profiles[0].id', message: 'taken' }],
      },
    };
    const result = await cli('push', valid, '--server', `${base}/api/v1`, '--token', 't');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('422');
    expect(result.stderr).toContain('$.profiles[0].id: taken');
    expect(requests.at(-1)!.url).toBe('/api/v1/presets');
  });

  it('sends nothing when the file is invalid or the token is missing', async () => {
    requests.length = 0;
    expect((await cli('push', file('empty2.json', {}), '--server', base, '--token', 't')).code).toBe(1);
    expect((await cli('push', valid, '--server', base)).code).toBe(2);
    expect(requests).toHaveLength(0);
  });
});
