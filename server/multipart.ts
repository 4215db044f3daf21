import type { Readable } from 'node:stream';
import busboy from 'busboy';
import { Problem } from './problem.ts';

export type Part =
  | { kind: 'field'; name: string; value: string; truncated: boolean }
  | { kind: 'file'; name: string; filename: string; mimeType: string; stream: Readable };

export const malformed = (why: string) => new Problem('malformed-multipart', `The multipart/form-data body ${why}.`);

/**
 * Reads a multipart/form-data body one part at a time, as it streams in. The caller must consume (or abort) each
 * file part before asking for the next: busboy only parses further once the current part has been read.
 */
export class PartReader {
  private readonly queue: Part[] = [];
  private finished = false;
  private aborted = false;
  private failure: Error | undefined;
  private wake: (() => void) | undefined;
  /** The file part being read, so a broken body can fail its reader instead of leaving it waiting forever. */
  private current: Readable | undefined;
  private readonly parser: busboy.Busboy;

  constructor(
    private readonly body: Readable,
    contentType: string,
    limits: { fieldSize: number },
  ) {
    try {
      this.parser = busboy({
        headers: { 'content-type': contentType },
        limits: { fieldSize: limits.fieldSize, fields: 10, files: 10_000, headerPairs: 100 },
      });
    } catch (error) {
      throw malformed(`could not be read: ${(error as Error).message}`);
    }
    this.parser.on('field', (name, value, info) =>
      this.push({ kind: 'field', name, value, truncated: info.valueTruncated }),
    );
    this.parser.on('file', (name, stream, info) => {
      // A part can fail while it waits in the queue (the body ends without its closing boundary). Its reader
      // still sees the failure (a destroyed stream fails every pipeline); this listener only keeps the error from
      // being thrown in the meantime, when nobody listens yet.
      stream.on('error', () => {});
      this.current = stream;
      this.push({ kind: 'file', name, filename: info.filename ?? '', mimeType: info.mimeType, stream });
    });
    this.parser.on('fieldsLimit', () => this.fail(malformed('has too many fields')));
    this.parser.on('filesLimit', () => this.fail(malformed('has too many parts')));
    this.parser.on('error', (error: Error) => this.fail(malformed(`is broken: ${error.message}`)));
    this.parser.on('close', () => {
      this.finished = true;
      this.notify();
    });
    // A client that disconnects mid-upload: the request errors (or just closes) before busboy saw the end.
    body.on('error', (error) => this.fail(malformed(`could not be read to its end (${error.message})`)));
    body.on('close', () => {
      if (!body.readableEnded) this.fail(malformed('ended early: the client disconnected'));
    });
    body.pipe(this.parser);
  }

  /** The next part, or undefined at the end of the body. */
  async next(): Promise<Part | undefined> {
    for (;;) {
      const part = this.queue.shift();
      if (part) return part;
      if (this.failure) throw this.failure;
      if (this.finished) return undefined;
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
    }
  }

  /**
   * Stops parsing, and lets the parts already parsed flow away unread. The rest of the body is left where it is: the
   * answer goes out once it has been read and thrown away (server/app.ts, answerAfterBody), so the connection stays
   * usable and the client reads the answer instead of a reset.
   */
  abort(): void {
    this.aborted = true;
    this.body.unpipe(this.parser);
    for (const part of this.queue.splice(0)) if (part.kind === 'file') part.stream.resume();
  }

  private push(part: Part) {
    // After abort the parser may still finish what it had buffered: drain it, nobody reads it. Its listeners stay
    // attached, so a late error (a body without its closing boundary) is caught, not thrown.
    if (this.aborted) {
      if (part.kind === 'file') part.stream.resume();
      return;
    }
    this.queue.push(part);
    this.notify();
  }

  private fail(error: Error) {
    this.failure ??= error;
    if (this.current && !this.current.readableEnded) this.current.destroy(this.failure);
    this.notify();
  }

  private notify() {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}
