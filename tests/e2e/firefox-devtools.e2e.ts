import { createServer, type Socket } from 'node:net';
import { afterEach, expect, test } from 'vitest';
import { attachBrowserConsole, encodePacket as packet, packetReader } from './firefox-devtools.ts';

/**
 * The debugger-server client against a stand-in that speaks only what Firefox's protocol document describes
 * (devtools/docs/contributor/backend/protocol.md: `<length>:<JSON>` packets, the root's greeting, getProcess,
 * getTarget, evaluateJSAsync answered by a resultID and then an evaluationResult, long strings read with
 * `substring`), so the edge cases a real Firefox shows only under load are tested every run.
 */

const LONG = 'x'.repeat(20_000);
let close: (() => void) | undefined;
afterEach(() => close?.());

async function standIn(): Promise<number> {
  const server = createServer((socket: Socket) => {
    socket.write(packet({ from: 'root', applicationType: 'browser', traits: {} }));
    let evaluations = 0;
    socket.on(
      'data',
      packetReader((request) => {
        if (request.type === 'getProcess') {
          socket.write(packet({ from: 'root', processDescriptor: { actor: 'conn0.process1', id: 0, isParent: true } }));
        } else if (request.type === 'getTarget') {
          socket.write(
            packet({ from: 'conn0.process1', process: { actor: 'conn0.target2', consoleActor: 'conn0.console3' } }),
          );
        } else if (request.type === 'evaluateJSAsync') {
          const resultID = `r${++evaluations}`;
          const result =
            request.text === 'JSON.stringify(long)'
              ? {
                  result: {
                    type: 'longString',
                    actor: 'conn0.long4',
                    initial: LONG.slice(0, 1000),
                    length: LONG.length + 2,
                  },
                }
              : request.text === 'JSON.stringify(boom())'
                ? {
                    result: { type: 'undefined' },
                    hasException: true,
                    exceptionMessage: 'ReferenceError: boom is not defined',
                  }
                : { result: JSON.stringify({ asked: request.text }) };
          // The answer and its result in one write: one chunk at the client, before it can wait for the result.
          socket.write(
            Buffer.concat([
              packet({ from: 'conn0.console3', resultID }),
              packet({ from: 'conn0.other', type: 'frameUpdate', frames: [] }),
              packet({ from: 'conn0.console3', type: 'evaluationResult', resultID, ...result }),
            ]),
          );
        } else if (request.type === 'substring') {
          const whole = JSON.stringify(LONG);
          socket.write(
            packet({
              from: request.to as string,
              substring: whole.slice(request.start as number, request.end as number),
            }),
          );
        }
      }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  close = () => server.close();
  return (server.address() as { port: number }).port;
}

test('takes a result that arrives in the same chunk as the answer naming it, evaluation after evaluation', async () => {
  const browserConsole = await attachBrowserConsole(await standIn());
  try {
    for (const n of [1, 2, 3]) {
      expect(await browserConsole.evaluate(`probe(${n})`)).toEqual({ asked: `JSON.stringify(probe(${n}))` });
    }
  } finally {
    browserConsole.close();
  }
});

test('reads a long string through its actor, and reports an exception with its message', async () => {
  const browserConsole = await attachBrowserConsole(await standIn());
  try {
    expect(await browserConsole.evaluate('long')).toBe(LONG);
    await expect(browserConsole.evaluate('boom()')).rejects.toThrow('ReferenceError: boom is not defined');
  } finally {
    browserConsole.close();
  }
});

test('says which port did not answer when no debugger server listens there', async () => {
  const port = await standIn();
  close?.();
  close = undefined;
  await expect(attachBrowserConsole(port, 300)).rejects.toThrow(`port ${port} did not answer`);
});

test('says so when what listens on the port never greets as the debugger server does', async () => {
  const quiet = createServer(() => {});
  await new Promise<void>((resolve) => quiet.listen(0, '127.0.0.1', resolve));
  close = () => quiet.close();
  const { port } = quiet.address() as { port: number };
  await expect(attachBrowserConsole(port, 300)).rejects.toThrow(`port ${port} did not greet`);
});
