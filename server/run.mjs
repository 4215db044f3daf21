// The repository's command line (server/cli.ts) as `npm run server` and a deployment start it:
// `node --initial-old-space-size=64 --enable-source-maps server/run.mjs [command] [options]`. It runs the
// TypeScript as one module bundled here at start (server/bundle.mjs), with no loader beside it.
import { bundle } from './bundle.mjs';

let cli;
try {
  cli = await bundle(new URL('./cli.ts', import.meta.url));
} catch (error) {
  // One line, as the CLI reports its own failures: a temporary folder that cannot be written, code that does not build.
  console.error(`The repository could not be started: ${error instanceof Error ? error.message : error}`);
  process.exit(1);
}
await import(cli.href);
