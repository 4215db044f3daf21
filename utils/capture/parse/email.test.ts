import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import { Metadata } from '../../records/record';
import { parseEmail } from './email';

const dir = join(import.meta.dirname, 'fixtures');
const load = (file: string) => new Uint8Array(readFileSync(join(dir, file)));
const emlFiles = readdirSync(dir).filter((file) => file.endsWith('.eml'));

describe('parseEmail on every real message', () => {
  it('has every real message that fixtures/SOURCES.md lists', () => {
    expect(emlFiles).toEqual(
      expect.arrayContaining([
        'mailparser_nested.eml',
        'mailparser_nodemailer.eml',
        'mikel-mail_rfc2822_example03.eml',
        'postal-mime_bounce.eml',
        'postal-mime_calendar-event.eml',
        'postal-mime_mimetorture.eml',
        'postal-mime_mixed.eml',
      ]),
    );
  });

  for (const file of emlFiles) {
    it(`${file}: metadata passes the record schema and attachments match their bytes`, async () => {
      const facts = await parseEmail(load(file));
      expect(v.parse(Metadata, facts.metadata)).toEqual(facts.metadata);
      expect(facts.metadata.mimeType).toBe('message/rfc822');
      for (const attachment of facts.attachments) {
        expect(attachment.size).toBe(attachment.bytes.byteLength);
        expect(attachment.name).toMatch(/^[^/\\]+$/);
      }
      expect(facts.metadata.attachments ?? []).toEqual(
        facts.attachments.map(({ name, size, mimeType, attachments }) => ({
          name,
          size,
          mimeType,
          ...(attachments ? { attachments } : {}),
        })),
      );
    });
  }
});

describe('parseEmail headers', () => {
  it('decodes an RFC 2047 subject, several To and marks inline images (nodemailer)', async () => {
    const facts = await parseEmail(load('mailparser_nodemailer.eml'));
    expect(facts.subject).toBe('Nodemailer is unicode friendly ✔ (1476358788189)');
    expect(facts.originator).toBe('Andris Kreata <andris@kreata.ee>');
    expect(facts.addressees).toEqual(['Andris Reinman <andris+123@kreata.ee>', 'andris.reinman@gmail.com']);
    expect(facts.otherAddressees).toEqual([]);
    expect(facts.dateSent).toBe('2016-10-13T11:39:48Z');
    expect(facts.messageId).toBe('<012d606e-3550-2d94-b566-6cd996de88e3@kreata.ee>');
    expect(facts.attachments.map((a) => [a.name, a.disposition, a.contentId])).toEqual([
      ['attachment-1.txt', 'attachment', undefined],
      ['image.png', 'inline', '<note@example.com>'],
      ['nyan cat ✔.gif', 'inline', '<nyan@example.com>'],
      ['notes.txt', 'attachment', undefined],
    ]);
    const notes = facts.attachments[3]!;
    expect(new TextDecoder().decode(notes.bytes)).toBe('Some notes about this e-mail\n');
    expect(notes.size).toBe(29);
  });

  it('keeps Cc apart from To and quotes display names with specials (RFC 2822 A.1.3)', async () => {
    const facts = await parseEmail(load('mikel-mail_rfc2822_example03.eml'));
    expect(facts.originator).toBe('Joe Q. Public <john.q.public@example.com>');
    expect(facts.addressees).toEqual(['Mary Smith <mary@x.test>', 'jdoe@example.org', 'Who? <one@y.test>']);
    expect(facts.otherAddressees).toEqual(['boss@nil.test', '"Giant; \\"Big\\" Box" <sysservices@example.net>']);
    expect(facts.dateSent).toBe('2003-07-01T08:52:37Z');
    expect(facts.subject).toBeUndefined();
  });

  it('flattens groups, decodes encoded words in names and subject, reads Bcc and the reply chain', async () => {
    const facts = await parseEmail(load('groups-bcc-reply.eml'));
    expect(facts).toMatchObject({
      subject: 'Réunion budgétaire — suite',
      originator: 'Jürgen Müller <juergen@example.de>',
      addressees: [
        'Ed Jones <c@a.test>',
        'joe@where.test',
        'John <jdoe@one.test>',
        'André Pirard <PIRARD@vm1.ulg.ac.be>',
      ],
      otherAddressees: ['"Smith, Ann" <ann@example.org>', 'archive@example.org'],
      dateSent: '1997-11-21T16:01:10Z',
      inReplyTo: '<orig.5678@example.org>',
      references: ['<root.1@example.org>', '<orig.5678@example.org>'],
    });
    expect(facts.metadata.identifiers).toEqual({
      messageId: '<reply.1234@example.de>',
      inReplyTo: '<orig.5678@example.org>',
      references: '<root.1@example.org> <orig.5678@example.org>',
    });
  });

  it('reads a calendar invite: Q-encoded subject with an emoji, the text/calendar part and the .ics file', async () => {
    const facts = await parseEmail(load('postal-mime_calendar-event.eml'));
    expect(facts.subject).toBe(
      'Invitation: Test event ⏰ @ Thu Apr 11, 2024 11am - 12pm (GMT+3) (andris@ethereal.email)',
    );
    expect(facts.originator).toBe('Andris Reinman <andris@postalsys.com>');
    expect(facts.messageId).toBe('<calendar-7791cb16-a4f3-43ae-a9a0-ed4003535ae7@google.com>');
    expect(facts.attachments.map((a) => [a.name, a.mimeType])).toEqual([
      ['attachment-1.ics', 'text/calendar'],
      ['invite.ics', 'application/ics'],
    ]);
    expect(new TextDecoder().decode(facts.attachments[1]!.bytes)).toMatch(/^BEGIN:VCALENDAR/);
  });

  it('keeps the bounced message of a delivery report whole, as an .eml attachment', async () => {
    const facts = await parseEmail(load('postal-mime_bounce.eml'));
    expect(facts.subject).toBe('Undelivered Mail Returned to Sender');
    expect(facts.originator).toBe('Mail Delivery System <MAILER-DAEMON@messagingengine.com>');
    expect(facts.attachments.map((a) => [a.name, a.mimeType])).toEqual([
      ['attachment-1.txt', 'message/delivery-status'],
      ['attachment-2.eml', 'message/rfc822'],
    ]);
    const bounced = await parseEmail(facts.attachments[1]!.bytes);
    expect(bounced.subject).toBeTruthy();
  });

  it('turns each nested message of the MIME torture test into its own .eml part', async () => {
    const facts = await parseEmail(load('postal-mime_mimetorture.eml'));
    expect(facts.subject).toBe("Ryan Finnie's MIME Torture Test v1.0");
    expect(facts.attachments).toHaveLength(10);
    expect(facts.attachments.every((a) => a.mimeType === 'message/rfc822' && a.name.endsWith('.eml'))).toBe(true);
  });

  it('reads messages with few headers (nested multiparts, no From or Subject)', async () => {
    const nested = await parseEmail(load('mailparser_nested.eml'));
    expect(nested.originator).toBe('u@example.com');
    expect(nested.attachments).toEqual([]);
    const mixed = await parseEmail(load('postal-mime_mixed.eml'));
    expect(mixed.originator).toBeUndefined();
    expect(mixed.metadata).toEqual({ mimeType: 'message/rfc822' });
  });

  it('refuses what is not a message, with a clear error', async () => {
    await expect(parseEmail(new Uint8Array())).rejects.toThrow('Not an email message: the file is empty');
    await expect(parseEmail(new TextEncoder().encode('just some text\n'))).rejects.toThrow(/RFC 5322 header/);
    await expect(parseEmail(load('pdf-parse-05-versions-space.pdf'))).rejects.toThrow(/Not an email message/);
  });
});

const message = (head: string, body = 'Body.') =>
  new TextEncoder().encode(`${head.trim().replace(/\n/g, '\r\n')}\r\n\r\n${body}`);

describe('addresses read as mail systems do', () => {
  it('drops RFC 5322 comments from addresses and never takes a comment for a recipient (RFC 5322 §A.5)', async () => {
    const facts = await parseEmail(
      message(`
From: Pete(A nice \\) chap) <pete(his account)@silly.test(his host)>
To:A Group(Some people)
     :Chris Jones <c@(Chris's host.)public.example>,
         joe@example.org,
  John <jdoe@one.test> (my dear friend); (the end of the group)
Cc:(Empty list)(start)Hidden recipients  :(nobody(that I know))  ;
Date: Thu,
      13
        Feb
          1969
      23:32
               -0330 (Newfoundland Time)
Message-ID:              <testabcd.1234@silly.test>
`),
    );
    expect(facts.originator).toBe('Pete <pete@silly.test>');
    expect(facts.addressees).toEqual(['Chris Jones <c@public.example>', 'joe@example.org', 'John <jdoe@one.test>']);
    expect(facts.otherAddressees).toEqual([]);
    expect(facts.dateSent).toBe('1969-02-14T03:02:00Z');
  });

  it('reads the obsolete syntax: empty list elements, source routes, spaces around dots (RFC 5322 §A.6)', async () => {
    const facts = await parseEmail(
      message(`
From: Joe Q. Public <john.q.public@example.com>
To: Mary Smith <@node.test:mary@example.net>, , jdoe@test  . example
Date: Tue, 1 Jul 2003 10:52:37 +0200
Message-ID: <5678.21-Nov-1997@example.com>
`),
    );
    expect(facts.originator).toBe('Joe Q. Public <john.q.public@example.com>');
    expect(facts.addressees).toEqual(['Mary Smith <mary@example.net>', 'jdoe@test.example']);
  });

  it('keeps the old "address (Full Name)" form’s name', async () => {
    const facts = await parseEmail(message('From: ann@example.org (Ann Lee)\nTo: bob@example.org'));
    expect(facts.originator).toBe('Ann Lee <ann@example.org>');
  });

  it('handles the Unicode of display names: encoded words, raw UTF-8, bidi tricks, controls, lone surrogates', async () => {
    const facts = await parseEmail(
      message(
        [
          'From: =?UTF-8?B?w4lsb2RpZSBEdXBvbnQ=?= <elodie@example.fr>',
          'To: 山田 太郎 <taro@example.jp>, "Müller, Jörg" <joerg@example.de>, =?UTF-8?Q?Caf=C3=A9?= <cafe@example.org>',
          'Cc: "Ann\u202egnp.exe" <ann@example.org>, "Bob\u0000\u0007" <bob@example.org>, "Zo\u0065\u0301" <zoe@example.org>',
          'Subject: =?UTF-8?B?UmFwcG9ydCDwn5OK?= \ud800 done',
        ].join('\n'),
      ),
    );
    expect(facts.originator).toBe('Élodie Dupont <elodie@example.fr>');
    expect(facts.addressees).toEqual([
      '山田 太郎 <taro@example.jp>',
      '"Müller, Jörg" <joerg@example.de>',
      'Café <cafe@example.org>',
    ]);
    expect(facts.otherAddressees).toEqual([
      'Ann gnp.exe <ann@example.org>',
      'Bob <bob@example.org>',
      'Zoé <zoe@example.org>',
    ]);
    // A lone surrogate cannot travel as UTF-8: the bytes hold U+FFFD, which is kept, storable as it is.
    expect(facts.subject).toBe('Rapport 📊 \ufffd done');
    expect(facts.otherAddressees[2]).toBe('Zo\u00e9 <zoe@example.org>'); // NFC
  });
});

describe('attached messages', () => {
  it('list their own attachments, nested under the message they came in', async () => {
    const inner = [
      'From: Ann <ann@example.org>',
      'Subject: Invoice',
      'MIME-Version: 1.0',
      'Content-Type: multipart/mixed; boundary="in"',
      '',
      '--in',
      'Content-Type: text/plain',
      '',
      'See attached.',
      '--in',
      'Content-Type: application/pdf; name="invoice-42.pdf"',
      'Content-Disposition: attachment; filename="invoice-42.pdf"',
      'Content-Transfer-Encoding: base64',
      '',
      'JVBERi0xLjQKJcOkw7zDtsOfCg==',
      '--in--',
    ].join('\r\n');
    const outer = [
      'From: Bob <bob@example.org>',
      'To: Carol <carol@example.org>',
      'Subject: Fwd: Invoice',
      'MIME-Version: 1.0',
      'Content-Type: multipart/mixed; boundary="out"',
      '',
      '--out',
      'Content-Type: text/plain',
      '',
      'Forwarding.',
      '--out',
      'Content-Type: message/rfc822; name="Invoice.eml"',
      'Content-Disposition: attachment; filename="Invoice.eml"',
      '',
      inner,
      '--out--',
      '',
    ].join('\r\n');
    const facts = await parseEmail(new TextEncoder().encode(outer));
    expect(facts.metadata.attachments).toEqual([
      {
        name: 'Invoice.eml',
        size: expect.any(Number),
        mimeType: 'message/rfc822',
        attachments: [{ name: 'invoice-42.pdf', size: 19, mimeType: 'application/pdf' }],
      },
    ]);
    expect(v.parse(Metadata, facts.metadata)).toEqual(facts.metadata);
  });
});
