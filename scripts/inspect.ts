/**
 * `npm run inspect -- <file.eml|.msg|.pdf|.docx|.xlsx|.pptx>` prints what capture would extract from the file;
 * `npm run inspect -- <saved-page.html> --url <page URL>` runs on a saved page exactly the detectors the extension
 * runs for that URL (the app's own on its host, the on-demand set elsewhere) and prints what a user would get.
 * A page skeleton ("Report a missed page", utils/health/skeleton-file.ts) carries its own address: `--url` is then
 * optional, and overrides it (say, with the real ids the skeleton masked).
 * Exit codes: 0 done, 1 the file could not be read or inspected, 2 wrong usage.
 */
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import { Window } from 'happy-dom';
import { errorMessage } from '../utils/capture/parse/common';
import { inspectFile } from '../utils/capture/parse/inspect';
import { runAsExtension } from '../utils/detectors/index';
import { skeletonHeaderOf } from '../utils/health/skeleton-file';

const USAGE = 'Usage: npm run inspect -- <file.eml|.msg|.pdf|.docx|.xlsx|.pptx> | <saved-page.html> --url <page URL>';

class UsageError extends Error {}

/** Parses the saved page as the browser would, with no scripts run and nothing fetched. */
function detectOnPage(html: string, url: string) {
  const window = new Window({
    url,
    settings: {
      disableJavaScriptEvaluation: true,
      disableJavaScriptFileLoading: true,
      disableCSSFileLoading: true,
      disableIframePageLoading: true,
      disableComputedStyleRendering: true,
      navigation: {
        disableMainFrameNavigation: true,
        disableChildFrameNavigation: true,
        disableChildPageNavigation: true,
      },
    },
  });
  // Detectors run in a content script, where these are globals.
  const scope = globalThis as Record<string, unknown>;
  for (const name of ['DOMParser', 'Node', 'NodeFilter', 'Element', 'HTMLElement']) {
    scope[name] ??= (window as unknown as Record<string, unknown>)[name];
  }
  const document = new window.DOMParser().parseFromString(html, 'text/html') as unknown as Document;
  try {
    // Exactly the extension's choice for this URL: the app's script on its host, the on-demand set elsewhere.
    return runAsExtension(document, url);
  } finally {
    void window.happyDOM.close();
  }
}

async function main(argv: string[]): Promise<void> {
  let parsed: ReturnType<typeof parseArgs<{ options: { url: { type: 'string' } }; allowPositionals: true }>>;
  try {
    parsed = parseArgs({ args: argv, options: { url: { type: 'string' } }, allowPositionals: true });
  } catch (error) {
    throw new UsageError(errorMessage(error));
  }
  const [file, ...extra] = parsed.positionals;
  if (!file || extra.length > 0) throw new UsageError('expected exactly one file');
  const isHtml = /\.x?html?$/i.test(file);
  if (parsed.values.url !== undefined && !isHtml) throw new UsageError('--url is only for saved web pages (.html)');

  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await readFile(file));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new Error(code === 'ENOENT' ? `No such file: ${file}` : `Cannot read ${file}: ${errorMessage(error)}`);
  }
  if (isHtml) {
    const html = new TextDecoder().decode(bytes);
    const url = parsed.values.url ?? skeletonHeaderOf(html)?.url;
    if (!url) {
      throw new Error(`${file} is a saved web page: say which URL it was saved from with --url <page URL>`);
    }
    if (!URL.canParse(url)) throw new UsageError(`not a URL: ${url.slice(0, 200)}`);
    const result = detectOnPage(html, url);
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    return;
  }
  const inspection = await inspectFile(bytes, basename(file));
  process.stdout.write(`${JSON.stringify(inspection, null, 2)}\n`);
}

main(process.argv.slice(2)).then(
  () => process.exit(0),
  (error: unknown) => {
    const usage = error instanceof UsageError;
    console.error(usage ? `inspect: ${error.message}\n${USAGE}` : `inspect: ${errorMessage(error).split('\n')[0]}`);
    process.exit(usage ? 2 : 1);
  },
);
