import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { skeletonFile } from '../../health/skeleton-file';

const root = resolve(import.meta.dirname, '../../..');
const fixture = (file: string) => join(import.meta.dirname, 'fixtures', file);

/** Runs `scripts/inspect.ts` as `npm run inspect` does; Gmail fixtures are what a viewer in UTC sees. */
function inspect(...args: string[]) {
  const run = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/inspect.ts', ...args], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, TZ: 'UTC' },
    timeout: 180_000,
  });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

describe('npm run inspect', { timeout: 180_000 }, () => {
  it('prints what capture extracts from an .eml', () => {
    const run = inspect(fixture('groups-bcc-reply.eml'));
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout);
    expect(result).toMatchObject({
      kind: 'email',
      title: 'Réunion budgétaire — suite',
      sourceId: '<reply.1234@example.de>',
    });
    expect(result.metadata.otherAddressees).toEqual(['"Smith, Ann" <ann@example.org>', 'archive@example.org']);
  });

  it('prints what capture extracts from a .msg, a PDF and a .docx', () => {
    const msg = inspect(fixture('msgreader-test.msg'));
    expect(msg.code).toBe(0);
    expect(JSON.parse(msg.stdout)).toMatchObject({ kind: 'email', title: 'asdf' });
    const pdf = inspect(fixture('pdf-parse-05-versions-space.pdf'));
    expect(pdf.code).toBe(0);
    expect(JSON.parse(pdf.stdout).metadata).toMatchObject({ mimeType: 'application/pdf', language: 'pt-PT' });
    const docx = inspect(fixture('mammoth-footnotes.docx'));
    expect(docx.code).toBe(0);
    expect(JSON.parse(docx.stdout).metadata.author).toEqual(['Michael Williamson']);
  });

  it('runs the extension detectors on a saved Gmail page', () => {
    const dir = join(root, 'utils/detectors/fixtures/gmail');
    const url = 'https://mail.google.com/mail/u/0/#inbox/FMfcgzGrbHrBdFGBXqpFZvSkcQpKkvrM';
    const run = inspect(join(dir, 'e2e-message.html'), '--url', url);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout);
    expect(result.errors).toEqual([]);
    expect(result.detections).toHaveLength(1);
    expect(result.detections).toEqual(JSON.parse(readFileSync(join(dir, 'e2e-message.expected.json'), 'utf8')));
  });

  it('runs on a page skeleton, at the address the skeleton keeps, and --url overrides it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rk-inspect-'));
    const file = join(dir, 'skeleton-www.notion.so.html');
    // A skeleton of a Notion page whose detector finds nothing: the masked address (ids as shapes, and a Notion id
    // is hex, so its shape still is) names an item, so inspect shows the "missed" the extension counted.
    writeFileSync(
      file,
      skeletonFile(
        {
          format: 1,
          url: 'https://www.notion.so/aaaa/Aaaa-0a0a0a0a0a0a00a0a0a0a0a0a0a0a0a0',
          takenAt: '2026-11-21T10:00:00.000Z',
          reason: 'nothing',
        },
        '<!doctype html>\n<html><head><title>xxxxx</title></head><body><div role="main"><p>xxx</p></div></body></html>',
      ),
    );
    const run = inspect(file);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout);
    expect(result.detections).toEqual([]);
    expect(result.health).toEqual([expect.objectContaining({ detector: 'notion', problem: 'missed' })]);
    const elsewhere = inspect(file, '--url', 'https://example.org/page');
    expect(elsewhere.code).toBe(0);
    expect(JSON.parse(elsewhere.stdout).health).toEqual([]);
  });

  it('fails with one clear line and exit code 1 on a broken, missing or unsupported file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rk-inspect-'));
    const broken = join(dir, 'broken.pdf');
    writeFileSync(broken, readFileSync(fixture('pdf-parse-05-versions-space.pdf')).subarray(0, 50_000));
    for (const [args, message] of [
      [[broken], 'inspect: The PDF is truncated (no end-of-file marker); download or save it again'],
      [[join(dir, 'missing.eml')], `inspect: No such file: ${join(dir, 'missing.eml')}`],
      [
        [join(root, 'package.json')],
        'inspect: Unsupported file type: package.json (supported: .eml, .msg, .pdf, .docx, .xlsx, .pptx)',
      ],
      [[join(root, 'utils/detectors/fixtures/gmail/e2e-message.html')], /--url <page URL>/],
    ] as const) {
      const run = inspect(...args);
      expect(run.code).toBe(1);
      expect(run.stdout).toBe('');
      expect(run.stderr.trim().split('\n')).toHaveLength(1);
      expect(run.stderr.trim()).toMatch(message);
    }
  });

  it('exits 2 with the usage on bad usage', () => {
    for (const args of [
      [],
      ['a.eml', 'b.eml'],
      ['--bogus', 'a.eml'],
      [fixture('postal-mime_mixed.eml'), '--url', 'https://x.test/'],
    ]) {
      const run = inspect(...args);
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(/Usage: npm run inspect --/);
    }
  });
});
