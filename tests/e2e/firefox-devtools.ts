import { connect, createServer, type Socket } from 'node:net';
import { waitFor } from './harness.ts';

/**
 * A minimal client of Firefox's own Remote Debugging Protocol, for what the tests must evaluate in Firefox's
 * privileged browser window (browser.xhtml): trusting a certificate, reading the toolbar and the browser's shortcuts.
 * Debian's Firefox ESR 140.12 gives WebDriver BiDi no chrome scope: `browsingContext.getTree` there takes no
 * `moz:scope` (remote/webdriver-bidi/modules/root/browsingContext.sys.mjs in its omni.ja), so it lists content tabs
 * only and `Cc` is undefined where the tests evaluated. Marionette's chrome context needs a WebDriver session of its
 * own, which Firefox refuses beside the BiDi one ("Maximum number of active sessions").
 *
 * The protocol (Firefox source, devtools/docs/contributor/backend/protocol.md): packets are `<byte length>:<JSON>`
 * both ways; the root actor greets first; `getProcess` with id 0 gives the parent process's descriptor, whose
 * `getTarget` gives a target with a `consoleActor`; `evaluateJSAsync` answers with a `resultID` and then sends an
 * `evaluationResult` packet carrying the value as a grip (a string is itself, a long one a `longString` actor read
 * with `substring`). Firefox listens once started with `--start-debugger-server <port>` and the prefs below.
 */

/** The prefs that let a local client attach to the browser itself without a prompt. */
export const DEVTOOLS_SERVER_PREFS = {
  'devtools.debugger.remote-enabled': true,
  'devtools.chrome.enabled': true,
  'devtools.debugger.prompt-connection': false,
};

/** A free loopback port for the debugger server (held for a moment only, then handed to Firefox). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export type Packet = { from?: string; type?: string; [key: string]: unknown };

/** One packet on the wire: `<byte length>:<JSON>`. */
export function encodePacket(packet: Packet): Buffer {
  const json = Buffer.from(JSON.stringify(packet), 'utf8');
  return Buffer.concat([Buffer.from(`${json.length}:`), json]);
}

/** Splits a byte stream into packets, handing each to `onPacket`; throws on one that is not `<length>:<JSON>`. */
export function packetReader(onPacket: (packet: Packet) => void): (chunk: Buffer) => void {
  let pending = Buffer.alloc(0);
  return (chunk) => {
    pending = Buffer.concat([pending, chunk]);
    for (;;) {
      const colon = pending.indexOf(0x3a);
      if (colon < 0) return;
      const length = Number(pending.subarray(0, colon).toString('latin1'));
      if (pending.length < colon + 1 + length) return;
      if (!Number.isSafeInteger(length)) throw new Error('no <length>: before it');
      const packet = JSON.parse(pending.subarray(colon + 1, colon + 1 + length).toString('utf8')) as Packet;
      pending = pending.subarray(colon + 1 + length);
      onPacket(packet);
    }
  };
}

export interface BrowserConsole {
  /** Evaluates `expression` (synchronous) in the browser window; answers its value through JSON. */
  evaluate<T>(expression: string): Promise<T>;
  close(): void;
}

/** Connects once the debugger server answers: Firefox starts it during its own startup, not before. */
function connectWhenListening(port: number, patienceMs: number): Promise<Socket> {
  const attempt = () =>
    new Promise<Socket | undefined>((resolve, reject) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => resolve(socket));
      socket.once('error', (error: NodeJS.ErrnoException) => {
        socket.destroy();
        if (error.code === 'ECONNREFUSED') resolve(undefined);
        else reject(error);
      });
    });
  return waitFor(attempt, `Firefox's debugger server on port ${port}`, patienceMs).catch((error: Error) => {
    throw new Error(`Firefox's debugger server on port ${port} did not answer: ${error.message}`);
  });
}

export async function attachBrowserConsole(port: number, patienceMs = 60_000): Promise<BrowserConsole> {
  const socket = await connectWhenListening(port, patienceMs);
  const waiting: { wants(packet: Packet): boolean; resolve(packet: Packet): void }[] = [];
  const unclaimed: Packet[] = [];
  let failure: Error | undefined;
  socket.on('error', (error) => (failure ??= error));
  const read = packetReader((packet) => {
    const n = waiting.findIndex((w) => w.wants(packet));
    if (n >= 0) waiting.splice(n, 1)[0]!.resolve(packet);
    else {
      // Kept for a waiter still to come: an evaluation's result can arrive in the same chunk as the answer that
      // names it, before its waiter exists. Notices no one asks for (frame updates) age out.
      unclaimed.push(packet);
      if (unclaimed.length > 200) unclaimed.shift();
    }
  });
  socket.on('data', (chunk: Buffer) => {
    try {
      read(chunk);
    } catch (error) {
      failure ??= new Error(`Firefox's debugger server sent a malformed packet: ${(error as Error).message}`);
      socket.destroy();
    }
  });
  const closed = new Promise<never>((_, reject) =>
    socket.once('close', () => reject(failure ?? new Error("Firefox's debugger server closed the connection"))),
  );
  closed.catch(() => undefined);
  /** The first packet `wants` takes; with `past`, also one that came before anyone waited for it. */
  const next = (wants: (packet: Packet) => boolean, past = true) => {
    const n = past ? unclaimed.findIndex(wants) : -1;
    if (n >= 0) return Promise.resolve(unclaimed.splice(n, 1)[0]!);
    return Promise.race([new Promise<Packet>((resolve) => waiting.push({ wants, resolve })), closed]);
  };
  const send = (packet: Packet) => socket.write(encodePacket(packet));
  const ask = (to: string, request: Packet) => {
    // Waiting before the request is sent, for an answer that can only come after it.
    const answer = next((packet) => packet.from === to && packet.type === undefined, false);
    send({ to, ...request });
    return answer.then((packet) => {
      if (packet.error) throw new Error(`${to} ${request.type}: ${packet.error} ${packet.message ?? ''}`);
      return packet;
    });
  };

  // Whatever listens on the port must greet as Firefox's root actor does, or it is not Firefox's debugger server.
  let silence: NodeJS.Timeout | undefined;
  const greeted = next((packet) => packet.from === 'root' && packet.applicationType !== undefined);
  const silent = new Promise<never>((_, reject) => {
    silence = setTimeout(
      () => reject(new Error(`What listens on port ${port} did not greet as Firefox's debugger server does`)),
      patienceMs,
    );
  });
  try {
    await Promise.race([greeted, silent]);
  } catch (error) {
    socket.destroy();
    throw error;
  } finally {
    clearTimeout(silence);
  }
  const { processDescriptor } = (await ask('root', { type: 'getProcess', id: 0 })) as {
    processDescriptor: { actor: string };
  };
  const { process } = (await ask(processDescriptor.actor, { type: 'getTarget' })) as {
    process: { consoleActor: string };
  };
  const consoleActor = process.consoleActor;

  return {
    async evaluate<T>(expression: string): Promise<T> {
      const { resultID } = await ask(consoleActor, { type: 'evaluateJSAsync', text: `JSON.stringify(${expression})` });
      const result = await next(
        (packet) => packet.from === consoleActor && packet.type === 'evaluationResult' && packet.resultID === resultID,
      );
      if (result.hasException) {
        throw new Error(`${expression}: ${String(result.exceptionMessage ?? JSON.stringify(result.exception))}`);
      }
      let value = result.result as string | { type: string; actor?: string; length?: number };
      if (typeof value === 'object' && value?.type === 'longString') {
        const { substring } = await ask(value.actor!, { type: 'substring', start: 0, end: value.length });
        value = substring as string;
      }
      if (typeof value === 'object' && value?.type === 'undefined') return undefined as T;
      if (typeof value !== 'string') throw new Error(`${expression}: not JSON-able (${JSON.stringify(value)})`);
      return JSON.parse(value) as T;
    },
    close() {
      socket.destroy();
    },
  };
}
