// @vitest-environment node
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from './app.ts';
import { FolderBlobStore } from './blobs.ts';
import { type Db, openDb } from './db.ts';
import { openApiDocument } from './openapi.ts';
import { specPathOf } from './test/openapi-check.ts';
import { fetch, startTestServer } from './test/support.ts';

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

describe('OpenAPI document', () => {
  let dataDir: string;
  let db: Db;
  let routes: string[];
  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'rk-openapi-'));
    db = await openDb(dataDir);
    const app = createApp({
      db,
      blobs: await FolderBlobStore.open(join(dataDir, 'blobs')),
      limits: { maxBytes: 1 },
      publicUrl: 'http://x',
    });
    // Middleware is registered for ALL methods on `*` paths; operations are the rest.
    routes = app.routes
      .filter((route) => route.method !== 'ALL' && !route.path.includes('*'))
      .map((route) => `${route.method} ${route.path.replace('/api/v1', '').replace(/:(\w+)/g, '{$1}')}`);
  });
  afterAll(async () => {
    await db.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('is OpenAPI 3.1', () => {
    expect(openApiDocument.openapi).toBe('3.1.0');
  });

  it('lists every route the app has, and nothing else', () => {
    const documented = Object.entries(openApiDocument.paths).flatMap(([path, item]) =>
      Object.keys(item)
        .filter((method) => METHODS.includes(method))
        .map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(new Set(routes).size).toBe(routes.length);
    expect([...routes].sort()).toEqual([...documented].sort());
    expect(routes).toContain('GET /records/{id}/events');
  });

  it('maps request paths to its templates', () => {
    expect(specPathOf('/records/0193/content/2')).toBe('/records/{id}/content/{n}');
    expect(specPathOf('/records/0193')).toBe('/records/{id}');
    expect(specPathOf('/nothing')).toBeUndefined();
  });

  it('is served without a token', async () => {
    const t = await startTestServer();
    try {
      const response = await fetch(`${t.api}/openapi.json`);
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual(JSON.parse(JSON.stringify(openApiDocument)));
    } finally {
      await t.stop();
    }
  });
});
