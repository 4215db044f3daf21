/**
 * The Alfresco, CMIS and Microsoft 365 connectors against the Records API path (issue 13): the same 1,000 records
 * of 50 KB delivered one after another through the connector seam's `deliver()` — the client the extension's drain
 * uses — to the reference server (Records API), to the loopback Alfresco Governance Services fake, to the loopback
 * CMIS browser-binding fake and to the loopback Microsoft Graph fake, all in this one Node process and this one run.
 * The four paths take turns in blocks of 100 records, so a change in the machine's load falls on each alike. The
 * Alfresco fake's OpenAPI validation is off and the Graph fake keeps only the sizes and hashes of what it receives,
 * so that what is timed is the connector and its request pattern; no fake can tell a real server's latency.
 *
 * Run alone: `npx tsx bench/connectors.ts`; `npm run bench` includes it.
 */
import { pathToFileURL } from 'node:url';
import { startRepository } from '../tests/e2e/harness.ts';
import { AlfrescoFake } from '../tests/fakes/alfresco/server.ts';
import { bytesOf, makeRecord, memoryCredentials, partSources, type TestPart } from '../tests/fakes/alfresco/support.ts';
import { CmisFake } from '../tests/fakes/cmis/server.ts';
import { connectorFor, fakeTenant, MAPPING, testTokens } from '../tests/fakes/graph/tenant.ts';
import { ALFRESCO_PASSWORD } from '../utils/connectors/alfresco/client.ts';
import { createAlfrescoConnector } from '../utils/connectors/alfresco/connector.ts';
import { CMIS_PASSWORD, createCmisConnector } from '../utils/connectors/cmis/connector.ts';
import type { Connector } from '../utils/connectors/connector.ts';
import { deliver } from '../utils/connectors/deliver.ts';
import { memoryProgress } from '../utils/connectors/memory.ts';
import { recordsApiConnector } from '../utils/connectors/records-api/connector.ts';
import type { DeclaredRecord } from '../utils/records/record.ts';
import { type Figure, formatTable, ratioFigure } from './figures.ts';

const BLOCK = 100;
/**
 * Half the Records API path's rate, as for the extension's drain against a plain client (bench/drain.ts): a
 * connector that needs a few requests per record where the Records API needs one still keeps up.
 */
const TARGET = 0.5;

interface Path {
  /** Also names its figure: `<name in lower case, without spaces>RatioToRecordsApi`. */
  name: string;
  connector: Connector;
  /** Requests the server received so far (for requests per record). */
  requests(): number;
  /** What the server holds, checked after the run: every record, once. */
  stored(): Promise<number>;
  seconds: number;
}

/** A connector's dependencies: plain fetch, the fake's password for `recorder`, and the presets' mapping. */
const signedIn = (passwordKey: string, mapping: unknown) => ({
  fetch,
  now: Date.now,
  credentials: memoryCredentials({ [passwordKey]: 'secret' }),
  mapping,
});

export async function benchConnectors(count = 1000, size = 50 * 1024): Promise<Record<string, Figure>> {
  const repository = await startRepository();
  const alfresco = await AlfrescoFake.start({ validate: false });
  const cmis = await CmisFake.start();
  const graph = await fakeTenant({ keepContent: false });
  try {
    // MAPPING files FIN/1 (the bench's category) under Finance with this label, as the tenant's admin set it up.
    graph.addLabel(MAPPING.categories['FIN/1']!.retentionLabel!, 'retainAsRecord');
    const folder = alfresco.addFolder('2026', alfresco.addCategory('Invoices', alfresco.addCategory('Finance')));
    cmis.addFolder('/Records/Finance/2026');
    let apiRequests = 0;
    const paths: Path[] = [
      {
        name: 'Records API',
        connector: recordsApiConnector(
          { url: repository.url },
          {
            fetch: (input, init) => {
              apiRequests += 1;
              return fetch(input, init);
            },
            now: Date.now,
            credentials: memoryCredentials({ token: repository.token }),
          },
        ),
        requests: () => apiRequests,
        stored: async () => {
          let total = 0;
          for (let cursor = ''; ; ) {
            const page = await repository.getJson<{ items: unknown[]; nextCursor?: string | null }>(
              `records?sourceId=bench%3Aconnectors&limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
            );
            total += page.items.length;
            if (!page.nextCursor) return total;
            cursor = page.nextCursor;
          }
        },
        seconds: 0,
      },
      {
        name: 'Alfresco',
        connector: createAlfrescoConnector(
          { url: alfresco.url, username: 'recorder' },
          signedIn(ALFRESCO_PASSWORD, { categories: { 'FIN/1': { folderId: folder } } }),
        ),
        requests: () => alfresco.log.length,
        stored: async () => alfresco.records().length,
        seconds: 0,
      },
      {
        name: 'CMIS',
        connector: createCmisConnector(
          { serviceUrl: cmis.serviceUrl, username: 'recorder' },
          signedIn(CMIS_PASSWORD, { categories: { 'FIN/1': { path: '/Records/Finance/2026' } } }),
        ),
        requests: () => cmis.log.length,
        stored: async () => cmis.documents().length,
        seconds: 0,
      },
      {
        name: 'Microsoft 365',
        connector: connectorFor(graph, testTokens(graph)),
        requests: () => graph.requests.length,
        stored: async () => graph.files().filter((file) => !file.folder).length,
        seconds: 0,
      },
    ];
    const records: { record: DeclaredRecord; parts: TestPart[] }[] = Array.from({ length: count }, (_, r) => {
      const parts = [{ name: `invoice-${r}.pdf`, mimeType: 'application/pdf', bytes: bytesOf(r, size) }];
      const source = {
        app: 'generic',
        kind: 'document',
        url: 'https://example.org/bench',
        sourceId: 'bench:connectors',
      };
      return { record: makeRecord(parts, { source } as Partial<DeclaredRecord>), parts };
    });
    for (let block = 0, turn = 0; block < count; block += BLOCK, turn++) {
      // Each path goes first in turn.
      for (let k = 0; k < paths.length; k++) {
        const path = paths[(turn + k) % paths.length]!;
        const start = performance.now();
        for (const { record, parts } of records.slice(block, block + BLOCK)) {
          await deliver(path.connector, record, partSources(parts), memoryProgress());
        }
        path.seconds += (performance.now() - start) / 1000;
      }
    }
    for (const path of paths) {
      const stored = await path.stored();
      if (stored !== count) throw new Error(`${path.name}: ${stored} records stored, ${count} sent`);
    }
    const [api, ...connectors] = paths;
    const shared = { records: count, bytesEach: size, recordsApiRecordsPerSecond: rate(count, api!.seconds) };
    const figures: Record<string, Figure> = {};
    for (const path of connectors) {
      figures[`${path.name.toLowerCase().replaceAll(' ', '')}RatioToRecordsApi`] = ratioFigure(
        count / path.seconds,
        count / api!.seconds,
        TARGET,
        {
          ...shared,
          recordsPerSecond: rate(count, path.seconds),
          requestsPerRecord: Math.round((path.requests() / count) * 100) / 100,
          recordsApiRequestsPerRecord: Math.round((api!.requests() / count) * 100) / 100,
        },
      );
    }
    return figures;
  } finally {
    await graph.close();
    await cmis.close();
    await alfresco.close();
    await repository.close();
  }
}

const rate = (count: number, seconds: number) => Math.round((count / seconds) * 10) / 10;

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const figures = await benchConnectors(process.env.BENCH_RECORDS ? Number(process.env.BENCH_RECORDS) : undefined);
  console.info(formatTable(figures));
  console.info(JSON.stringify(figures, null, 2));
}
