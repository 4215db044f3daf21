/**
 * The Graph fake as a process of its own (benchmarks measure the connector's memory without the fake's): prints
 * one JSON line `{ "url": … }` once it listens, and stops when its standard input closes.
 * `tsx tests/fakes/graph/cli.ts '{"sites":[…],"labels":[…],"tokens":[…]}'`
 */
import { type LabelBehavior, startGraphFake } from './server.ts';

interface Setup {
  tokens: string[];
  sites: { host: string; path: string; libraries: { name: string; columns?: string[] }[] }[];
  labels: { name: string; behavior: LabelBehavior }[];
}

const setup = JSON.parse(process.argv[2] ?? '{}') as Setup;
const fake = await startGraphFake({ testTokens: setup.tokens ?? [], keepContent: false });
for (const site of setup.sites ?? []) fake.addSite(site.host, site.path, site.libraries);
for (const label of setup.labels ?? []) fake.addLabel(label.name, label.behavior);
process.stdout.write(`${JSON.stringify({ url: fake.url })}\n`);
process.stdin.resume();
process.stdin.on('end', () => void fake.close().then(() => process.exit(0)));
