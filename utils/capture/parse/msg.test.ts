import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import { Metadata } from '../../records/record';
import { sha256Hex } from '../bytes';
import { parseMsg } from './msg';

const load = (file: string) => new Uint8Array(readFileSync(join(import.meta.dirname, 'fixtures', file)));

describe('parseMsg', () => {
  it('reads sender, recipients, date, Message-ID and the attachment of a real Outlook .msg', async () => {
    const facts = await parseMsg(load('msgreader-test.msg'));
    expect(facts.subject).toBe('asdf');
    expect(facts.originator).toBe('christoph@freiraum.xyz');
    expect(facts.addressees).toEqual(['christoph@freiraum.xyz']);
    expect(facts.otherAddressees).toEqual([]);
    expect(facts.dateSent).toBe('2018-03-23T16:06:29Z');
    expect(facts.messageId).toBe('<000001d3c2c0$e7ca4aa0$b75edfe0$@freiraum.xyz>');
    expect(facts.attachments).toHaveLength(1);
    const [photo] = facts.attachments;
    expect(photo).toMatchObject({
      name: '5AAoPFgV-nJ965R7o-98C38840-4454-4750-9AEF-F53DB3E37548.jpg',
      mimeType: 'image/jpeg',
      size: 122784,
      disposition: 'attachment',
    });
    expect([...photo!.bytes.subarray(0, 3)]).toEqual([0xff, 0xd8, 0xff]);
    expect(await sha256Hex(photo!.bytes)).toMatch(/^[0-9a-f]{64}$/);
    expect(v.parse(Metadata, facts.metadata)).toEqual(facts.metadata);
    expect(facts.metadata.identifiers).toEqual({ messageId: '<000001d3c2c0$e7ca4aa0$b75edfe0$@freiraum.xyz>' });
  });

  it('refuses other files and damaged compound files with a clear error', async () => {
    await expect(parseMsg(load('postal-mime_mixed.eml'))).rejects.toThrow(/Not an Outlook message/);
    const truncated = load('msgreader-test.msg').slice(0, 2048);
    await expect(parseMsg(truncated)).rejects.toThrow(/Outlook message/);
  });
});

describe('iconv-lite shim', () => {
  it('decodes Windows code pages with TextDecoder, as msgreader asks iconv-lite to', async () => {
    const { decode } = await import('./iconv-lite-shim');
    expect(decode(new Uint8Array([0xcf, 0xf0, 0xe8]), 'windows-1251')).toBe('При');
    expect(decode(new Uint8Array([0x82, 0xa0]), 'shift_jis')).toBe('あ');
  });
});
