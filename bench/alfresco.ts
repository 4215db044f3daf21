/**
 * Alfresco connector throughput at the Node level (issue 13, phase 1): 1,000 records of 50 KB delivered one after
 * another through `deliver()` to the loopback Alfresco fake, whose API validation is off so that the connector's own
 * cost is what is timed. The in-extension figure, as a ratio to the Records API path, comes with the wiring (phase
 * 2). Run alone: `npx tsx bench/alfresco.ts`.
 */
import { pathToFileURL } from 'node:url';
import { AlfrescoFake } from '../tests/fakes/alfresco/server.ts';
import {
  bytesOf,
  makeRecord,
  memoryCredentials,
  memoryProgress,
  partSources,
} from '../tests/fakes/alfresco/support.ts';
import { ALFRESCO_PASSWORD } from '../utils/connectors/alfresco/client.ts';
import { createAlfrescoConnector } from '../utils/connectors/alfresco/connector.ts';
import { deliver } from '../utils/connectors/deliver.ts';
import type { Figure } from './figures.ts';

export async function benchAlfrescoThroughput(count = 1000, size = 50 * 1024): Promise<Figure> {
  const fake = await AlfrescoFake.start({ validate: false });
  try {
    const folder = fake.addFolder('2026', fake.addCategory('Invoices', fake.addCategory('Finance')));
    const connector = createAlfrescoConnector(
      { url: fake.url, username: 'recorder' },
      {
        fetch,
        now: Date.now,
        credentials: memoryCredentials({ [ALFRESCO_PASSWORD]: 'secret' }),
        mapping: { categories: { 'FIN/1': { folderId: folder } } },
      },
    );
    const start = performance.now();
    for (let r = 0; r < count; r++) {
      const parts = [{ name: `invoice-${r}.pdf`, mimeType: 'application/pdf', bytes: bytesOf(r, size) }];
      await deliver(connector, makeRecord(parts), partSources(parts), memoryProgress());
    }
    const seconds = (performance.now() - start) / 1000;
    if (fake.records().length !== count) throw new Error(`${fake.records().length} records filed, ${count} sent`);
    const requests = fake.log.length;
    return {
      value: Math.round((count / seconds) * 10) / 10,
      unit: 'records/s',
      target: 20,
      better: 'higher',
      detail: {
        records: count,
        bytesEach: size,
        seconds: Math.round(seconds * 10) / 10,
        requestsPerRecord: Math.round((requests / count) * 100) / 100,
      },
    };
  } finally {
    await fake.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  console.info(JSON.stringify({ alfrescoThroughput: await benchAlfrescoThroughput() }, null, 2));
}
