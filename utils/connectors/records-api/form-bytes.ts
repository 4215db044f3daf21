/**
 * A multipart/form-data body (RFC 7578) as one byte array, encoded as the HTML standard's "multipart/form-data
 * encoding algorithm" (html.spec.whatwg.org/multipage/form-control-infrastructure.html#multipart-form-data) has
 * FormData encode it: names and file names UTF-8, with `"`, CR and LF escaped as %22, %0D and %0A; a file's type
 * as its Blob would keep it (printable ASCII, lower-cased, else application/octet-stream).
 *
 * Why not FormData: a file field must be a Blob, and each Blob the service worker makes is copied into the
 * browser's blob registry and read back from there by the network service. For a record whose parts are in
 * memory already, that was the worker's largest single cost per record (docs/sync.md, "What a record costs").
 */

export interface FormField {
  name: string;
  /** A text field's value, or a file's bytes. */
  value: string | ArrayBuffer;
  /** Set for a file field. */
  filename?: string | undefined;
  type?: string | undefined;
}

const escape = (text: string) => text.replace(/"/g, '%22').replace(/\r/g, '%0D').replace(/\n/g, '%0A');

/** A Blob's type as the File API keeps it: empty when it has anything but printable ASCII, else lower-cased. */
const blobType = (type: string | undefined) => (type && /^[\x20-\x7e]*$/.test(type) ? type.toLowerCase() : '');

/** A boundary of 32 random hex digits after a fixed prefix: it never occurs in a body by chance. */
function newBoundary(): string {
  const random = crypto.getRandomValues(new Uint8Array(16));
  return `----RecordkeeperFormBoundary${Array.from(random, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}

/** The body and its Content-Type header (with the boundary). */
export function formBytes(
  fields: FormField[],
  boundary = newBoundary(),
): { body: Uint8Array<ArrayBuffer>; type: string } {
  const encoder = new TextEncoder();
  const pieces: Uint8Array[] = [];
  for (const { name, value, filename, type } of fields) {
    let head = `--${boundary}\r\nContent-Disposition: form-data; name="${escape(name)}"`;
    if (filename !== undefined) {
      head += `; filename="${escape(filename)}"\r\nContent-Type: ${blobType(type) || 'application/octet-stream'}`;
    }
    pieces.push(encoder.encode(`${head}\r\n\r\n`));
    // A text field's line breaks become CRLF, as the standard's algorithm normalises them.
    pieces.push(
      typeof value === 'string' ? encoder.encode(value.replace(/\r\n|\r|\n/g, '\r\n')) : new Uint8Array(value),
    );
    pieces.push(encoder.encode('\r\n'));
  }
  pieces.push(encoder.encode(`--${boundary}--\r\n`));
  const body = new Uint8Array(pieces.reduce((sum, piece) => sum + piece.byteLength, 0));
  let at = 0;
  for (const piece of pieces) {
    body.set(piece, at);
    at += piece.byteLength;
  }
  return { body, type: `multipart/form-data; boundary=${boundary}` };
}
