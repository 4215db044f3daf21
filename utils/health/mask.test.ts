import { describe, expect, it } from 'vitest';
import { maskAttribute, maskText, maskUrl, shapeOf } from './mask';

describe('maskText', () => {
  it('keeps the length in characters and the white space, nothing else', () => {
    expect(maskText('Réunion du 3 mai\n\tAnn 👩‍💼')).toBe('xxxxxxx xx x xxx\n\txxx xxx');
    expect(maskText('')).toBe('');
  });
});

describe('shapeOf', () => {
  it('keeps the form of an id: letters, digits and punctuation where they were', () => {
    expect(shapeOf('msg-f:1784726351234')).toBe('aaa-a:0000000000000');
    expect(shapeOf('FMfcgzGkbDWz')).toBe('AAaaaaAaaAAa');
    expect(shapeOf('é_日本')).toBe('x_xx');
  });
});

describe('maskAttribute', () => {
  it('keeps ARIA roles and states, types, link relations, languages and the keys of meta', () => {
    expect(maskAttribute('div', 'role', 'listitem')).toBe('listitem');
    expect(maskAttribute('div', 'role', 'row presentation')).toBe('row presentation');
    expect(maskAttribute('div', 'aria-selected', 'true')).toBe('true');
    expect(maskAttribute('script', 'type', 'application/ld+json')).toBe('application/ld+json');
    expect(maskAttribute('link', 'rel', 'canonical')).toBe('canonical');
    expect(maskAttribute('html', 'lang', 'pt-BR')).toBe('pt-BR');
    expect(maskAttribute('meta', 'name', 'ajs-page-id')).toBe('ajs-page-id');
    expect(maskAttribute('meta', 'content', '2147713025')).toBe('xxxxxxxxxx');
  });

  it('masks a value outside its vocabulary', () => {
    expect(maskAttribute('div', 'role', 'Ann Smith')).toBe('xxx xxxxx');
    expect(maskAttribute('div', 'aria-label', 'From: Ann Smith')).toBe('xxxxx xxx xxxxx');
    expect(maskAttribute('input', 'type', 'secret')).toBe('xxxxxx');
    expect(maskAttribute('html', 'lang', 'ann smith')).toBe('xxx xxxxx');
  });

  it('shapes ids, class names and the attributes that point at ids', () => {
    expect(maskAttribute('h2', 'class', 'hP  gD a3s')).toBe('aA  aA a0a');
    expect(maskAttribute('h2', 'id', 'Meeting-notes-with-Ann')).toBe('Aaaaaaa-aaaaa-aaaa-Aaa');
    expect(maskAttribute('div', 'aria-labelledby', ':3e :z1')).toBe(':0a :a0');
    expect(maskAttribute('input', 'name', 'subject')).toBe('aaaaaaa');
  });

  it('masks text, addresses, styles and data values', () => {
    for (const name of ['title', 'alt', 'value', 'placeholder', 'href', 'src', 'srcset', 'style', 'data-id', 'email']) {
      expect(maskAttribute('a', name, 'ann@x.org')).toBe('xxxxxxxxx');
    }
    expect(maskAttribute('a', 'href', '')).toBe('');
  });
});

describe('maskUrl', () => {
  it('keeps the app, the route words and the form of ids; shapes names and ids', () => {
    expect(maskUrl('https://mail.google.com/mail/u/0/#inbox/FMfcgzGkbDWztBnnCgRHzjrvmFqLtcJD')).toBe(
      'https://mail.google.com/mail/u/0/#inbox/AAaaaaAaaAAaaAaaAaAAaaaaaAaAaaAA',
    );
    expect(maskUrl('https://mail.google.com/mail/u/1/#label/Salary+talks/FMfcgzGqRGfPBbNL')).toBe(
      'https://mail.google.com/mail/u/0/#label/Aaaaaa+aaaaa/AAaaaaAaAAaAAaAA',
    );
    expect(
      maskUrl(
        'https://contoso.sharepoint.com/sites/Finance/_layouts/15/Doc.aspx?sourcedoc=%7B5A1F%7D&file=Budget%202024.docx&action=default',
      ),
    ).toBe(
      'https://contoso.sharepoint.com/sites/Aaaaaaa/_layouts/00/Doc.aspx?sourcedoc=%0A0A0A%0A&file=Aaaaaa%000000.aaaa&action=default',
    );
    expect(maskUrl('https://wiki.example.org/pages/viewpage.action?pageId=98309')).toBe(
      'https://wiki.example.org/pages/viewpage.action?pageId=00000',
    );
  });

  it('keeps the address as it is when the user says so, without credentials', () => {
    expect(maskUrl('https://ann:pw@www.notion.so/acme/Plan-1d5b?p=9', true)).toBe(
      'https://www.notion.so/acme/Plan-1d5b?p=9',
    );
    expect(maskUrl('https://ann:pw@www.notion.so/acme/Plan-1d5b?p=9')).toBe('https://www.notion.so/aaaa/Aaaa-0a0a?p=0');
  });

  it('masks what is not an address at all', () => {
    expect(maskUrl('not a url')).toBe('xxx x xxx');
  });
});
