/**
 * CMIS connector throughput at the Node level (issue 13, phase 1): 1,000 records of 50 KB delivered one after
 * another through `deliver()` to the loopback CMIS browser-binding fake. The in-extension figure, as a ratio to the
 * Records API path, comes with the wiring (phase 2). Run alone: `npx tsx bench/cmis.ts`.
 */
import { pathToFileURL } from 'node:url';
import {
  bytesOf,
  makeRecord,
  memoryCredentials,
  memoryProgress,
  partSources,
} from '../tests/fakes/alfresco/support.ts';
import { CmisFake } from '../tests/fakes/cmis/server.ts';
import { CMIS_PASSWORD, createCmisConnector } from '../utils/connectors/cmis/connector.ts';
import { deliver } from '../utils/connectors/deliver.ts';
import type { Figure } from './figures.ts';

export async function benchCmisThroughput(count = 1000, size = 50 * 1024): Promise<Figure> {
  const fake = await CmisFake.start();
  try {
    fake.addFolder('/Records/Finance/2026');
    const connector = createCmisConnector(
      { serviceUrl: fake.serviceUrl, username: 'recorder' },
      {
        fetch,
        now: Date.now,
        credentials: memoryCredentials({ [CMIS_PASSWORD]: 'secret' }),
        mapping: { categories: { 'FIN/1': { path: '/Records/Finance/2026' } } },
      },
    );
    const start = performance.now();
    for (let r = 0; r < count; r++) {
      const parts = [{ name: `invoice-${r}.pdf`, mimeType: 'application/pdf', bytes: bytesOf(r, size) }];
      await deliver(connector, makeRecord(parts), partSources(parts), memoryProgress());
    }
    const seconds = (performance.now() - start) / 1000;
    if (fake.documents().length !== count) throw new Error(`${fake.documents().length} documents filed, ${count} sent`);
    return {
      value: Math.round((count / seconds) * 10) / 10,
      unit: 'records/s',
      target: 20,
      better: 'higher',
      detail: {
        records: count,
        bytesEach: size,
        seconds: Math.round(seconds * 10) / 10,
        requestsPerRecord: Math.round((fake.log.length / count) * 100) / 100,
      },
    };
  } finally {
    await fake.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  console.info(JSON.stringify({ cmisThroughput: await benchCmisThroughput() }, null, 2));
}
