import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the proxy does with the next requests that match; consumed in order, then it forwards. */
export type Fault =
  | { kind: 'status'; status: number; headers?: Record<string, string>; match: RegExp }
  | { kind: 'drop-response'; match: RegExp }
  | { kind: 'delay'; ms: number; match: RegExp; times: number };

export interface FaultProxy {
  url: string;
  faults: Fault[];
  /** `METHOD /path` of every request forwarded or answered, and bytes of PATCH bodies seen. */
  log: string[];
  patchBytes: number;
  /** Requests received and not yet answered (or dropped). */
  inFlight: number;
  onRequest?: (method: string, path: string) => void;
  /** Resolves once `bytes` of PATCH bodies have passed through. */
  patched(bytes: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * A loopback proxy in front of a repository that injects faults: answers of its own (503 with Retry-After, 429),
 * a forwarded request whose answer is dropped after the server committed it, or delays. CORS headers are added to
 * injected answers, since the extension calls from its own origin.
 */
export async function startFaultProxy(target: () => string): Promise<FaultProxy> {
  const waiting: { bytes: number; done: () => void }[] = [];
  const proxy: FaultProxy = {
    url: '',
    faults: [],
    log: [],
    patchBytes: 0,
    inFlight: 0,
    patched: (bytes) =>
      proxy.patchBytes >= bytes ? Promise.resolve() : new Promise((done) => waiting.push({ bytes, done })),
    close: async () => {},
  };
  const countPatch = (chunk: Buffer) => {
    proxy.patchBytes += chunk.byteLength;
    for (const waiter of waiting.filter((w) => proxy.patchBytes >= w.bytes)) {
      waiting.splice(waiting.indexOf(waiter), 1);
      waiter.done();
    }
  };
  const server = http.createServer((req, res) => {
    const method = req.method ?? 'GET';
    const path = req.url ?? '/';
    const line = `${method} ${path}`;
    proxy.inFlight += 1;
    res.on('close', () => {
      proxy.inFlight -= 1;
    });
    proxy.onRequest?.(method, path);
    const index = method === 'OPTIONS' ? -1 : proxy.faults.findIndex((fault) => fault.match.test(line));
    const fault = index >= 0 ? proxy.faults[index] : undefined;
    if (fault && (fault.kind !== 'delay' || --fault.times <= 0)) proxy.faults.splice(index, 1);
    proxy.log.push(fault ? `${line} [${fault.kind}${fault.kind === 'status' ? ` ${fault.status}` : ''}]` : line);
    const origin = req.headers.origin;
    if (fault?.kind === 'status') {
      req.resume();
      res.writeHead(fault.status, {
        'content-type': 'application/problem+json',
        ...(origin ? { 'access-control-allow-origin': origin, 'access-control-expose-headers': 'Retry-After' } : {}),
        ...fault.headers,
      });
      res.end(JSON.stringify({ type: 'urn:test:fault', title: 'Injected', status: fault.status, detail: 'injected' }));
      return;
    }
    const forward = () => {
      const upstream = new URL(path, target());
      const out = http.request(upstream, { method, headers: { ...req.headers, host: upstream.host } }, (answer) => {
        if (fault?.kind === 'drop-response') {
          // The server has stored the record and answered; the client never hears it.
          answer.resume();
          answer.on('end', () => res.socket?.destroy());
          return;
        }
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      out.on('error', () => res.socket?.destroy());
      if (method === 'PATCH') req.on('data', countPatch);
      req.pipe(out);
      res.on('close', () => out.destroy());
    };
    if (fault?.kind === 'delay') setTimeout(forward, fault.ms);
    else forward();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  proxy.url = `http://127.0.0.1:${port}`;
  proxy.close = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  return proxy;
}
