import type { Metadata } from '../records/record';
import { cleanText, plainFileName, textOf } from './text';
import { type CapturePlan, type Detection, type Detector, urlNamesItem } from './types';

/**
 * Salesforce Lightning Experience: the record or file open on the page. URL shapes, id rules and download
 * servlets are those of `utils/detectors/fixtures/patterns/salesforce.json`.
 *
 * The record id comes from the URL (`/lightning/r/<Object>/<id>/view`, `/lightning/r/<id>/view`, the legacy
 * `/one/one.app#/sObject/<id>/view`) and is kept in its 18-character form (a 15-character id gets its checksum
 * suffix; an 18-character id whose suffix does not check out is no id). The name comes from the highlights panel
 * (`records-highlights2`: `records-entity-label` and the primary field's `lightning-formatted-text`) when there is
 * exactly one on the page; console apps keep one per open tab, and Lightning may hide them in shadow roots, so
 * the tab title (`Name | Object | Salesforce`) comes next. Neither there: the record is still loading, nothing
 * is offered.
 *
 * Records are captured as a snapshot of the page. Files (ContentDocument `069…`, ContentVersion `068…`, legacy
 * Attachment `00P…`) are fetched from the org's own download servlet.
 */

const ID = /^[a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?$/;
const RECORD_PATH = /^\/lightning\/r\/(?:([A-Za-z][A-Za-z0-9_]{0,79})\/)?([a-zA-Z0-9]{15}|[a-zA-Z0-9]{18})\/view\/?$/;
const LEGACY_HASH = /^#\/sObject\/([a-zA-Z0-9]{15}|[a-zA-Z0-9]{18})\/view(?:[/?]|$)/;
const SUFFIX_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345';

/** Standard key prefixes (the first three characters of an id), for URLs that do not name the object. */
const KEY_PREFIXES: Record<string, string> = {
  '001': 'Account',
  '003': 'Contact',
  '005': 'User',
  '006': 'Opportunity',
  '00Q': 'Lead',
  '00T': 'Task',
  '00U': 'Event',
  '500': 'Case',
  '701': 'Campaign',
  '800': 'Contract',
  '801': 'Order',
  '02s': 'EmailMessage',
  '068': 'ContentVersion',
  '069': 'ContentDocument',
  '00P': 'Attachment',
};

/** Where each kind of file is downloaded from, by key prefix. */
const DOWNLOADS: Record<string, (id: string) => string> = {
  '069': (id) => `/sfc/servlet.shepherd/document/download/${id}`,
  '068': (id) => `/sfc/servlet.shepherd/version/download/${id}`,
  '00P': (id) => `/servlet/servlet.FileDownload?file=${id}`,
};

/** The 18-character form of an id: the 15-character id plus a suffix encoding which letters are upper case. */
export function toId18(id: string): string | undefined {
  if (!ID.test(id)) return undefined;
  const base = id.slice(0, 15);
  let suffix = '';
  for (let chunk = 0; chunk < 3; chunk++) {
    let flags = 0;
    for (let bit = 0; bit < 5; bit++) {
      const c = base.charCodeAt(chunk * 5 + bit);
      if (c >= 65 && c <= 90) flags |= 1 << bit;
    }
    suffix += SUFFIX_CHARS[flags];
  }
  if (id.length === 18 && id.slice(15).toUpperCase() !== suffix) return undefined;
  return base + suffix;
}

/** `acme.lightning.force.com` → `acme`; sandboxes keep their `--name` (`acme--uat.sandbox.lightning.force.com`). */
function myDomain(url: URL): string | undefined {
  const m = /^([a-z0-9][a-z0-9-]{0,79})(?:\.(?:sandbox|develop|scratch|trailblaze))?\.lightning\.force\.com$/.exec(
    url.hostname,
  );
  return m?.[1];
}

function isLightning(url: URL): boolean {
  return (
    url.protocol === 'https:' &&
    myDomain(url) !== undefined &&
    (url.pathname.startsWith('/lightning/') || url.pathname === '/one/one.app')
  );
}

export interface RecordRef {
  id: string;
  objectType?: string;
}

/** The record the URL opens, its id in 18-character form. */
export function recordFromUrl(url: URL): RecordRef | undefined {
  const path = url.pathname.slice(0, 512);
  const m = RECORD_PATH.exec(path) ?? (path === '/one/one.app' ? LEGACY_HASH.exec(url.hash.slice(0, 512)) : null);
  if (!m) return undefined;
  const raw = m.length > 2 ? m[2]! : m[1]!;
  const id = toId18(raw);
  if (!id) return undefined;
  const named = m.length > 2 ? m[1] : undefined;
  return { id, objectType: named ?? KEY_PREFIXES[id.slice(0, 3)] };
}

/** `Acme | Account | Salesforce` → name and object label; `Acme | Salesforce` → name only. */
function fromTitle(document: Document): { name: string; label?: string } | undefined {
  // Split before cleaning, so that an overlong name does not cut off the ` | Salesforce` that marks the title.
  const raw = (document.querySelector('title')?.textContent ?? '').slice(0, 100_000).split(' | ').slice(-50);
  const parts = raw.map((part) => cleanText(part, 1024));
  if (parts.length < 2 || parts[parts.length - 1] !== 'Salesforce') return undefined;
  if (parts.length === 2) return parts[0] ? { name: parts[0] } : undefined;
  const name = cleanText(parts.slice(0, -2).join(' | '), 1024);
  return name ? { name, label: cleanText(parts[parts.length - 2], 200) || undefined } : undefined;
}

function fromHighlights(document: Document): { name: string; label?: string } | undefined {
  const panels = document.querySelectorAll('records-highlights2');
  if (panels.length !== 1) return undefined;
  const panel = panels[0]!;
  const name = textOf(
    panel.querySelector('[slot="primaryField"] lightning-formatted-text') ??
      panel.querySelector('slot[name="primaryField"] lightning-formatted-text') ??
      panel.querySelector('[slot="primaryField"]'),
    1024,
  );
  const label = textOf(panel.querySelector('records-entity-label'), 200);
  return name ? { name, label: label || undefined } : undefined;
}

/** File types by extension, for the common office formats; anything else is left to the servlet's answer. */
const MIME_TYPES: Record<string, string> = {
  pdf: 'application/pdf',
  doc: 'application/msword',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  xls: 'application/vnd.ms-excel',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  pptx: 'application/vnd.openxmlformats-officedocument.presentationml.presentation',
  txt: 'text/plain',
  csv: 'text/csv',
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
};

function mimeTypeOf(name: string): string | undefined {
  const extension = /\.([a-z0-9]{1,5})$/i.exec(name)?.[1]?.toLowerCase();
  return extension ? MIME_TYPES[extension] : undefined;
}

function fileName(name: string, id: string): string {
  const safe = plainFileName(name);
  return safe && safe !== '.' && safe !== '..' ? safe : id;
}

function detectRecord(document: Document, url: URL): Detection[] {
  if (!isLightning(url)) return [];
  const domain = myDomain(url)!;
  const record = recordFromUrl(url);
  if (!record) return [];
  const highlights = fromHighlights(document);
  const titled = highlights ?? fromTitle(document);
  if (!titled) return [];
  const via = highlights ? 'highlights' : 'title';

  const prefix = record.id.slice(0, 3);
  const download = DOWNLOADS[prefix];
  const identifiers: Record<string, string> = {
    recordId: record.id,
    recordId15: record.id.slice(0, 15),
    myDomain: domain,
  };
  if (record.objectType) identifiers.objectType = record.objectType;
  if (titled.label) identifiers.objectLabel = titled.label;

  let capture: CapturePlan;
  let metadata: Metadata;
  if (download) {
    const mimeType = mimeTypeOf(titled.name);
    capture = {
      parts: [
        {
          source: 'fetch',
          url: `https://${url.hostname}${download(record.id)}`,
          name: fileName(titled.name, record.id),
          // Without a known extension the page does not say what the file is; the servlet's answer will.
          mimeType: mimeType ?? 'application/octet-stream',
          role: 'primary',
        },
      ],
    };
    metadata = mimeType ? { mimeType, identifiers } : { identifiers };
  } else {
    capture = { parts: [{ source: 'snapshot', name: `${record.id}.html`, role: 'primary' }] };
    metadata = { mimeType: 'text/html', identifiers };
  }

  return [
    {
      source: {
        app: 'salesforce',
        kind: download ? 'file' : 'page',
        url: url.href,
        sourceId: `salesforce:${domain}:${record.id}`,
      },
      title: titled.name,
      metadata,
      capture,
      via,
    },
  ];
}

export const salesforce: Detector = {
  id: 'salesforce',
  hosts: ['https://*.lightning.force.com/*'],
  matches: isLightning,
  detect: detectRecord,
  expectsItem: urlNamesItem(isLightning, recordFromUrl),
};
