import * as v from 'valibot';
import { parseJsonPath, parseMatchPattern, templatePlaceholders, urlGlob } from './patterns';
import {
  type Category,
  MAX_CATEGORIES,
  MAX_CATEGORY_DEPTH,
  PRESETS_SECTIONS,
  type Presets,
  PresetsSchema,
  type PresetsSection,
  type Site,
  TEMPLATE_FIELDS,
} from './schema';

/** One thing wrong with a presets document, at a JSONPath such as `$.profiles[0].defaultCategory`. */
export interface PresetsProblem {
  path: string;
  message: string;
}

export type PresetsValidation =
  | {
      ok: true;
      /** The document with defaults filled in. */
      presets: Presets;
      /** The top-level sections the document itself gave (what it contributes when sources are merged). */
      sections: PresetsSection[];
    }
  | { ok: false; problems: PresetsProblem[] };

/** A document can be wrong in many places; past this many the rest are summarised in one line. */
const MAX_PROBLEMS = 500;

type PathItem = string | number;

export function formatPath(items: readonly PathItem[]): string {
  let path = '$';
  for (const item of items) {
    if (typeof item === 'number') path += `[${item}]`;
    else if (/^[A-Za-z_$][\w$]*$/.test(item)) path += `.${item}`;
    else path += `[${JSON.stringify(item)}]`;
  }
  return path;
}

function issuePath(issue: v.BaseIssue<unknown>): string {
  return formatPath((issue.path ?? []).map((item) => (item as { key: PathItem }).key));
}

function issueMessage(issue: v.BaseIssue<unknown>): string {
  // A strict object reports an unknown key as "expected never"; say what it means for the admin.
  if (issue.kind === 'schema' && issue.expected === 'never') return 'unknown key (check the spelling)';
  if (issue.type === 'picklist' || issue.type === 'literal')
    return `must be one of ${String(issue.expected).replace(/^\((.*)\)$/, '$1')}`;
  return issue.message;
}

/**
 * The file plan's nesting, checked on the raw input before the schema recurses into it, so that a hostile
 * document nested thousands deep is refused instead of overflowing the stack.
 */
function checkFilePlanShape(input: unknown, problems: PresetsProblem[]): void {
  if (input === null || typeof input !== 'object' || !('filePlan' in input) || !Array.isArray(input.filePlan)) return;
  const stack: { nodes: unknown[]; depth: number; path: PathItem[] }[] = [
    { nodes: input.filePlan, depth: 1, path: ['filePlan'] },
  ];
  let count = 0;
  while (stack.length > 0) {
    const { nodes, depth, path } = stack.pop()!;
    count += nodes.length;
    if (count > MAX_CATEGORIES) {
      problems.push({ path: '$.filePlan', message: `must hold at most ${MAX_CATEGORIES} categories in all` });
      return;
    }
    nodes.forEach((node, index) => {
      if (node === null || typeof node !== 'object' || !('children' in node) || !Array.isArray(node.children)) return;
      if (node.children.length === 0) return;
      const childPath = [...path, index, 'children'];
      if (depth >= MAX_CATEGORY_DEPTH) {
        problems.push({
          path: formatPath(childPath),
          message: `the file plan may be at most ${MAX_CATEGORY_DEPTH} levels deep`,
        });
      } else stack.push({ nodes: node.children, depth: depth + 1, path: childPath });
    });
  }
}

function checkRegExp(pattern: string): string | undefined {
  try {
    new RegExp(pattern);
    return undefined;
  } catch (error) {
    return `is not a valid regular expression: ${error instanceof Error ? error.message : String(error)}`;
  }
}

function checkTemplate(template: string, site: Site, kind: 'url' | 'name'): string | undefined {
  for (const name of templatePlaceholders(template)) {
    if (!(TEMPLATE_FIELDS as readonly string[]).includes(name)) {
      return `unknown placeholder {${name}}; use one of ${TEMPLATE_FIELDS.map((f) => `{${f}}`).join(', ')}`;
    }
    if (!Object.hasOwn(site.fields, name) || site.fields[name as keyof Site['fields']] === undefined) {
      return `placeholder {${name}} is not read by this site's "fields"`;
    }
  }
  if (kind === 'name') return undefined;
  const head = template.split('{')[0]!;
  let url: URL;
  try {
    url = new URL(template.replace(/\{[^{}]*\}/g, 'x'));
  } catch {
    return 'must be an absolute URL';
  }
  if (url.protocol !== 'https:') return 'must be an https URL';
  // A placeholder in the scheme or host would let the page choose where capture fetches from.
  if (!/^https:\/\/[^/]+\//i.test(head) && template.includes('{')) {
    return 'placeholders may only appear in the path or query, after the host';
  }
  return undefined;
}

/** The checks a schema cannot express: uniqueness, references, and the small languages inside strings. */
function crossCheck(presets: Presets, problems: PresetsProblem[]): void {
  const problem = (path: PathItem[], message: string) => problems.push({ path: formatPath(path), message });

  const categories = new Map<string, string>();
  const walk = (nodes: readonly Category[], path: PathItem[]) => {
    nodes.forEach((category, index) => {
      const here = [...path, index];
      const seen = categories.get(category.id);
      if (seen) problem([...here, 'id'], `duplicate category id "${category.id}" (first at ${seen})`);
      else categories.set(category.id, formatPath([...here, 'id']));
      if (category.children) walk(category.children, [...here, 'children']);
    });
  };
  walk(presets.filePlan, ['filePlan']);

  const profiles = new Map<string, number>();
  presets.profiles.forEach((profile, p) => {
    const at: PathItem[] = ['profiles', p];
    if (profiles.has(profile.id)) {
      problem([...at, 'id'], `duplicate profile id "${profile.id}" (first at $.profiles[${profiles.get(profile.id)}])`);
    } else profiles.set(profile.id, p);
    if (profile.defaultCategory !== undefined && !categories.has(profile.defaultCategory)) {
      problem([...at, 'defaultCategory'], `unknown category "${profile.defaultCategory}" (not in the file plan)`);
    }
    if (profile.tagVocabulary !== undefined && !Object.hasOwn(presets.vocabularies, profile.tagVocabulary)) {
      problem([...at, 'tagVocabulary'], `unknown vocabulary "${profile.tagVocabulary}" (not in "vocabularies")`);
    }
    const fields = new Set<string>();
    profile.fields.forEach((field, f) => {
      const fieldAt = [...at, 'fields', f];
      if (fields.has(field.id)) problem([...fieldAt, 'id'], `duplicate field id "${field.id}" in this profile`);
      fields.add(field.id);
      if (field.pattern !== undefined) {
        const error = checkRegExp(field.pattern);
        if (error) problem([...fieldAt, 'pattern'], error);
      }
      if (field.type === 'choice' && (field.options ?? []).length === 0) {
        problem([...fieldAt, 'options'], 'a choice field needs at least one option');
      }
      if (field.type !== 'choice' && field.options !== undefined) {
        problem([...fieldAt, 'options'], `options only apply to choice fields (this one is ${field.type})`);
      }
    });
    if (new Set(profile.capture).size !== profile.capture.length) {
      problem([...at, 'capture'], 'lists the same capture kind twice');
    }
  });

  for (const [id, terms] of Object.entries(presets.vocabularies)) {
    const seen = new Set<string>();
    terms.forEach((term, t) => {
      const key = term.toLowerCase();
      if (seen.has(key)) problem(['vocabularies', id, t], `duplicate term "${term}"`);
      seen.add(key);
    });
  }

  presets.rules.forEach((rule, r) => {
    const at: PathItem[] = ['rules', r];
    if (!profiles.has(rule.suggest.profile)) {
      problem([...at, 'suggest', 'profile'], `unknown profile "${rule.suggest.profile}"`);
    }
    if (rule.suggest.category !== undefined && !categories.has(rule.suggest.category)) {
      problem([...at, 'suggest', 'category'], `unknown category "${rule.suggest.category}" (not in the file plan)`);
    }
    if (rule.when.urlPattern !== undefined) {
      const glob = urlGlob(rule.when.urlPattern);
      if (typeof glob === 'string') problem([...at, 'when', 'urlPattern'], glob);
    }
  });

  for (const [connector, mapping] of Object.entries(presets.connectors ?? {})) {
    const targets = (mapping as { categories?: unknown } | undefined)?.categories;
    if (targets === null || typeof targets !== 'object') continue;
    for (const id of Object.keys(targets)) {
      if (!categories.has(id)) {
        problem(['connectors', connector, 'categories', id], `unknown category "${id}" (not in the file plan)`);
      }
    }
  }

  const sites = new Map<string, number>();
  presets.sites.forEach((site, s) => {
    const at: PathItem[] = ['sites', s];
    if (sites.has(site.id))
      problem([...at, 'id'], `duplicate site id "${site.id}" (first at $.sites[${sites.get(site.id)}])`);
    else sites.set(site.id, s);
    site.matches.forEach((pattern, m) => {
      const parsed = parseMatchPattern(pattern);
      if (typeof parsed === 'string') problem([...at, 'matches', m], parsed);
    });
    for (const [name, source] of Object.entries(site.fields)) {
      if (source && 'json' in source) {
        const parsed = parseJsonPath(source.path);
        if (typeof parsed === 'string') problem([...at, 'fields', name, 'path'], parsed);
      }
    }
    if (site.capture?.original !== undefined) {
      const error = checkTemplate(site.capture.original, site, 'url');
      if (error) problem([...at, 'capture', 'original'], error);
    }
    if (site.capture?.name !== undefined) {
      const error = checkTemplate(site.capture.name, site, 'name');
      if (error) problem([...at, 'capture', 'name'], error);
      else if (/[/\\]/.test(site.capture.name)) problem([...at, 'capture', 'name'], 'must be a file name, not a path');
    }
  });
}

/**
 * Checks a presets document from any source (policy, repository, imported file, the admin CLI, the server's
 * PUT /presets) and lists every problem with its JSONPath: first the shape (types, unknown keys, sizes), then,
 * when the shape is right, the cross-checks (unique ids, references that resolve, valid regexes, URL patterns,
 * match patterns, JSON paths and capture templates). A document with any problem is rejected as a whole. Never
 * throws.
 */
export function validatePresets(input: unknown): PresetsValidation {
  const problems: PresetsProblem[] = [];
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    return { ok: false, problems: [{ path: '$', message: 'must be a JSON object (the presets document)' }] };
  }
  try {
    checkFilePlanShape(input, problems);
    if (problems.length > 0) return { ok: false, problems };
    const parsed = v.safeParse(PresetsSchema, input);
    if (!parsed.success) {
      for (const issue of parsed.issues) problems.push({ path: issuePath(issue), message: issueMessage(issue) });
    } else crossCheck(parsed.output, problems);
    if (problems.length === 0 && parsed.success) {
      const given = input as Record<string, unknown>;
      const sections = PRESETS_SECTIONS.filter((section) => Object.hasOwn(given, section));
      return { ok: true, presets: parsed.output, sections };
    }
  } catch (error) {
    problems.push({ path: '$', message: `could not be checked: ${error instanceof Error ? error.message : error}` });
  }
  if (problems.length > MAX_PROBLEMS) {
    const more = problems.length - MAX_PROBLEMS;
    return { ok: false, problems: [...problems.slice(0, MAX_PROBLEMS), { path: '$', message: `…and ${more} more` }] };
  }
  return { ok: false, problems };
}
