/**
 * The layer rule of README.md ("Layers"), checked on the imports: a domain module (utils/records, utils/presets,
 * utils/detectors) reaches no effect, neither directly nor through a helper it imports. Every import counts —
 * static, `export … from`, `import()` and type-only ones (a message type in the domain ties it to the protocol).
 *
 * A module is an effect when it is one of EFFECT_MODULES, imports an effect package, uses an effectful global
 * (`fetch`, `browser`, `indexedDB`…), or imports another effect module. Pure helpers outside the domain
 * (utils/capture/bytes.ts, the file parsers) are followed and allowed.
 *
 * Run alone: `npx tsx scripts/layers.ts` (exits 1 and lists each violation with the chain that reaches the effect).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, sep } from 'node:path';
import ts from 'typescript';

/** The pure domain: what a record, the presets and a detection are, and how they are worked out. */
export const DOMAIN = ['utils/records/', 'utils/presets/', 'utils/detectors/'];

/**
 * Local modules the domain must not reach, whatever they import: effects (the outbox, the drain), the message
 * protocol, and the layers above it (the UI's view types, components, entrypoints).
 */
export const EFFECT_MODULES = [
  'utils/outbox/',
  'utils/sync/',
  'utils/messaging.ts',
  'utils/ui/',
  'components/',
  'entrypoints/',
];

/** Packages that do effects: the browser's APIs and storage, IndexedDB, the network, Node, the server. */
const EFFECT_PACKAGES = [
  /^wxt($|\/)/,
  /^webextension-polyfill$/,
  /^@wxt-dev\//,
  /^idb$/,
  /^fake-indexeddb/,
  /^ky$/,
  /^oauth4webapi$/,
  /^pg$/,
  /^@electric-sql\//,
  /^hono($|\/)/,
  /^@hono\//,
  /^busboy$/,
  /^node:/,
];
const NODE_BUILTINS = new Set(builtinModules);

/** Globals that reach outside the module: the extension APIs, the network, browser storage. */
const EFFECT_GLOBALS = new Set([
  'browser',
  'chrome',
  'fetch',
  'XMLHttpRequest',
  'WebSocket',
  'EventSource',
  'indexedDB',
  'localStorage',
  'sessionStorage',
  'caches',
]);

export interface Violation {
  /** The domain file, relative to the root, with `/` separators. */
  file: string;
  /** The chain from that file's import to the effect: local modules, then a package or `global <name>`. */
  via: string[];
}

const SOURCE = /\.(ts|tsx)$/;
const SKIP = /(\.test\.tsx?|\.d\.ts)$/;

function sourceFiles(root: string, dir: string): string[] {
  if (!existsSync(join(root, dir))) return [];
  const out: string[] = [];
  for (const name of readdirSync(join(root, dir))) {
    const path = `${dir}/${name}`;
    if (name === 'fixtures' || name === 'node_modules') continue;
    if (statSync(join(root, path)).isDirectory()) out.push(...sourceFiles(root, path));
    else if (SOURCE.test(name) && !SKIP.test(name)) out.push(path);
  }
  return out.sort();
}

/** Whether the node sits in a type (`typeof fetch` names the global's type, it does not call it). */
function inType(node: ts.Node): boolean {
  for (let at: ts.Node | undefined = node.parent; at && !ts.isSourceFile(at); at = at.parent) {
    if (ts.isTypeNode(at)) return true;
    if (ts.isStatement(at) || ts.isExpressionStatement(at)) return false;
  }
  return false;
}

interface Parsed {
  specifiers: string[];
  globals: string[];
}

/** Every module specifier the file names, and the effectful globals it uses without declaring them. */
function parse(text: string, fileName: string): Parsed {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true);
  const specifiers: string[] = [];
  const declared = new Set<string>();
  const used = new Set<string>();
  const visit = (node: ts.Node) => {
    if (
      (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) &&
      node.moduleSpecifier &&
      ts.isStringLiteral(node.moduleSpecifier)
    ) {
      specifiers.push(node.moduleSpecifier.text);
    } else if (
      ts.isCallExpression(node) &&
      node.expression.kind === ts.SyntaxKind.ImportKeyword &&
      node.arguments[0] &&
      ts.isStringLiteralLike(node.arguments[0])
    ) {
      specifiers.push(node.arguments[0].text);
    } else if (ts.isImportTypeNode(node)) {
      const arg = node.argument;
      if (ts.isLiteralTypeNode(arg) && ts.isStringLiteral(arg.literal)) specifiers.push(arg.literal.text);
    }
    if (ts.isIdentifier(node) && EFFECT_GLOBALS.has(node.text)) {
      const parent = node.parent;
      const isName =
        (ts.isPropertyAccessExpression(parent) && parent.name === node) ||
        ((ts.isPropertyAssignment(parent) ||
          ts.isPropertySignature(parent) ||
          ts.isPropertyDeclaration(parent) ||
          ts.isMethodDeclaration(parent) ||
          ts.isMethodSignature(parent)) &&
          parent.name === node) ||
        ts.isQualifiedName(parent) ||
        inType(node);
      const isDeclaration =
        (ts.isParameter(parent) ||
          ts.isVariableDeclaration(parent) ||
          ts.isFunctionDeclaration(parent) ||
          ts.isBindingElement(parent) ||
          ts.isImportSpecifier(parent) ||
          ts.isImportClause(parent) ||
          ts.isNamespaceImport(parent)) &&
        (parent as { name?: ts.Node }).name === node;
      if (isDeclaration) declared.add(node.text);
      else if (!isName) used.add(node.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return { specifiers, globals: [...used].filter((name) => !declared.has(name)).sort() };
}

function resolveLocal(root: string, from: string, specifier: string): string | undefined {
  let base: string;
  if (specifier.startsWith('.')) base = join(dirname(from), specifier);
  else if (/^(@@?|~~?)\//.test(specifier)) base = specifier.replace(/^(@@?|~~?)\//, '');
  else return undefined;
  base = base.split(sep).join('/');
  const candidates = [base, `${base}.ts`, `${base}.tsx`, `${base}/index.ts`, `${base}/index.tsx`];
  return candidates.find((path) => SOURCE.test(path) && existsSync(join(root, path)));
}

const isEffectPackage = (specifier: string) =>
  EFFECT_PACKAGES.some((pattern) => pattern.test(specifier)) || NODE_BUILTINS.has(specifier.split('/')[0] ?? '');

/** Checks the tree under `root`; `scanned` lists the domain files looked at. */
export function checkLayers(root: string): { violations: Violation[]; scanned: string[] } {
  const parsed = new Map<string, Parsed>();
  const read = (file: string) => {
    let result = parsed.get(file);
    if (!result) {
      result = parse(readFileSync(join(root, file), 'utf8'), file);
      parsed.set(file, result);
    }
    return result;
  };
  // A chain from a module to an effect, or null when it reaches none. `visiting` breaks import cycles; a null
  // found while a cycle was cut is not remembered, since the module still open may yet reach an effect.
  const effects = new Map<string, string[] | null>();
  const visiting = new Set<string>();
  let cut = false;
  const effectOf = (file: string): string[] | null => {
    if (effects.has(file)) return effects.get(file) ?? null;
    if (EFFECT_MODULES.some((m) => (m.endsWith('/') ? file.startsWith(m) : file === m))) return [file];
    if (visiting.has(file)) {
      cut = true;
      return null;
    }
    visiting.add(file);
    const outerCut = cut;
    cut = false;
    const { specifiers, globals } = read(file);
    let found: string[] | null = globals.length ? [file, `global ${globals[0]}`] : null;
    for (const specifier of specifiers) {
      if (found) break;
      const local = resolveLocal(root, file, specifier);
      if (local) {
        const chain = effectOf(local);
        if (chain) found = [file, ...chain];
      } else if (isEffectPackage(specifier)) found = [file, specifier];
    }
    visiting.delete(file);
    if (found || !cut) effects.set(file, found);
    cut = outerCut || cut;
    return found;
  };

  const scanned = DOMAIN.flatMap((folder) => sourceFiles(root, folder.replace(/\/$/, '')));
  const violations: Violation[] = [];
  for (const file of scanned) {
    const chain = effectOf(file);
    if (chain) violations.push({ file, via: chain.slice(1) });
  }
  return { violations, scanned };
}

if (process.argv[1] && relative(process.argv[1], import.meta.filename) === '') {
  const { violations } = checkLayers(join(import.meta.dirname, '..'));
  for (const { file, via } of violations) console.error(`${file} imports an effect: ${via.join(' -> ')}`);
  process.exitCode = violations.length ? 1 : 0;
}
