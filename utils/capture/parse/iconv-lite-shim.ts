/**
 * Stands in for `iconv-lite` in the extension bundle (wxt.config.ts aliases it here). msgreader imports
 * iconv-lite only to decode ANSI (8-bit code page) strings of old .msg files, and iconv-lite needs Node's
 * `Buffer`, which a service worker lacks: the module would throw as soon as it loads. Browsers' TextDecoder
 * knows the Windows code pages, so it does the same job. Encoding is never needed to read a file.
 */
export function decode(bytes: Uint8Array, encoding: string): string {
  return new TextDecoder(encoding).decode(bytes);
}

export function encode(): never {
  throw new Error('Writing 8-bit strings into .msg files is not supported');
}

export default { decode, encode };
