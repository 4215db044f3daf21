import * as v from 'valibot';
import { connectorMappings } from '../connectors/mappings';

/**
 * The presets document of docs/presets.md — the single source of truth for its shape. The extension, the
 * reference server and the admin CLI validate with it (through `validate.ts`, which adds the cross-reference
 * checks), and `json-schema.ts` publishes it for admins as `public/presets.schema.json`.
 *
 * Every object is strict: an unknown key is a problem, so a misspelt key is reported instead of ignored. Every
 * string and list has an upper bound, so a hostile document costs at most time linear in its size.
 */

const str = (min: number, max: number) => v.pipe(v.string(), v.minLength(min), v.maxLength(max));

export const MAX_CATEGORIES = 20_000;
export const MAX_CATEGORY_DEPTH = 12;
export const MAX_PATTERN_LENGTH = 500;

const CategoryId = v.pipe(str(1, 256), v.description('Unique across the whole file plan, e.g. "HR/2.3".'));
const ProfileId = v.pipe(str(1, 128), v.description('Unique among the profiles, e.g. "hr-case".'));
const VocabularyId = v.pipe(
  v.string(),
  v.regex(/^[A-Za-z0-9_.-]{1,64}$/, 'must be 1 to 64 letters, digits, "_", "." or "-"'),
);
const Title = str(1, 512);
const Description = str(0, 4096);

export interface Category {
  id: string;
  title: string;
  retention?: string | undefined;
  description?: string | undefined;
  disposition?: string | undefined;
  children?: Category[] | undefined;
}

export const CategorySchema: v.GenericSchema<Category> = v.pipe(
  v.strictObject({
    id: CategoryId,
    title: v.pipe(Title, v.description('Shown to users in the category picker.')),
    retention: v.optional(
      v.pipe(str(1, 512), v.description('The retention rule, as records staff write it, e.g. "7y after case closed".')),
    ),
    description: v.optional(Description),
    disposition: v.optional(
      v.pipe(str(1, 512), v.description('What happens at the end of retention (applied by the repository).')),
    ),
    children: v.optional(
      v.pipe(
        v.array(v.lazy(() => CategorySchema)),
        v.maxLength(10_000),
        v.description('Sub-categories; the file plan is a tree.'),
      ),
    ),
  }),
  v.title('Record category'),
  v.description('A node of the file plan; it carries the retention rule.'),
);

export const FieldSchema = v.pipe(
  v.strictObject({
    id: v.pipe(
      v.string(),
      v.regex(/^[A-Za-z][A-Za-z0-9_.-]{0,127}$/, 'must start with a letter; then letters, digits, "_", "." or "-"'),
      v.description('Key of the value in the record\'s "fields", e.g. "caseNumber".'),
    ),
    label: v.pipe(Title, v.description('Shown next to the input.')),
    type: v.optional(v.picklist(['text', 'choice', 'date']), 'text'),
    required: v.optional(v.boolean(), false),
    pattern: v.optional(
      v.pipe(
        str(1, MAX_PATTERN_LENGTH),
        v.description('A JavaScript regular expression the value must match (text fields), e.g. "^HR-\\\\d+$".'),
      ),
    ),
    options: v.optional(
      v.pipe(v.array(str(1, 256)), v.maxLength(500), v.description('The choices of a "choice" field.')),
    ),
    retain: v.optional(v.pipe(v.boolean(), v.description("Pre-fill the user's last value.")), false),
    description: v.optional(Description),
  }),
  v.title('Field'),
  v.description('A value the user enters when declaring with this profile.'),
);
export type Field = v.InferOutput<typeof FieldSchema>;

export const CaptureKind = v.pipe(
  v.picklist(['original', 'eml', 'attachments', 'pdf', 'snapshot']),
  v.description(
    'original: the file or message as the app stores it; eml: the message as RFC 822; attachments: the ' +
      "message's attachments; pdf: a PDF rendition; snapshot: a self-contained HTML copy of the page.",
  ),
);

export const ProfileSchema = v.pipe(
  v.strictObject({
    id: ProfileId,
    title: v.pipe(Title, v.description('Shown in the profile picker.')),
    recordType: v.pipe(str(1, 64), v.description('Record type written to the record, e.g. "email", "contract".')),
    defaultCategory: v.optional(v.pipe(CategoryId, v.description('A file plan category id.'))),
    description: v.optional(Description),
    fields: v.optional(v.pipe(v.array(FieldSchema), v.maxLength(100)), []),
    tagVocabulary: v.optional(v.pipe(VocabularyId, v.description('A key of "vocabularies".'))),
    // No default filled in, so that code building profiles by hand need not name it: absent means true.
    freeTags: v.optional(
      v.pipe(v.boolean(), v.description('Whether users may add tags outside the vocabulary (default true).')),
    ),
    capture: v.optional(v.pipe(v.array(CaptureKind), v.maxLength(5)), []),
    securityMarking: v.optional(
      v.pipe(str(1, 64), v.description('Default security marking of records declared with this profile.')),
    ),
  }),
  v.title('Capture profile'),
  v.description('A preset the user picks: record type, default category, fields and what content to capture.'),
);
export type Profile = v.InferOutput<typeof ProfileSchema>;

export const SourceKindSchema = v.picklist(['email', 'document', 'page', 'file']);
const Domain = v.pipe(
  v.string(),
  v.maxLength(253),
  v.regex(/^[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$/, 'must be a domain such as example.org'),
);

/** The keys a rule's `when` may hold; at least one must be given. */
export const WHEN_KEYS = ['app', 'kind', 'senderDomain', 'recipientDomain', 'titleContains', 'urlPattern'] as const;

export const RuleSchema = v.pipe(
  v.strictObject({
    when: v.pipe(
      v.strictObject({
        app: v.optional(
          v.pipe(
            v.string(),
            v.regex(/^[a-z0-9-]{1,40}$/, 'must be a detector id such as "gmail" or "site-acme-dms"'),
            v.description('Detector id: gmail, outlook, sharepoint, …, or site-<id> for a site plugin.'),
          ),
        ),
        kind: v.optional(SourceKindSchema),
        senderDomain: v.optional(v.pipe(Domain, v.description("The sender's mail domain."))),
        recipientDomain: v.optional(v.pipe(Domain, v.description('A recipient mail domain (to, cc or bcc).'))),
        titleContains: v.optional(v.pipe(str(1, 256), v.description('Case-insensitive substring of the title.'))),
        urlPattern: v.optional(
          v.pipe(
            str(1, 2048),
            v.description('A glob over the whole URL: * matches anything, e.g. "https://cases.example.org/*".'),
          ),
        ),
      }),
      v.minEntries(1, `must name at least one of ${WHEN_KEYS.join(', ')}`),
      v.description('All given conditions must match.'),
    ),
    suggest: v.strictObject({
      profile: v.pipe(ProfileId, v.description('A profile id.')),
      category: v.optional(v.pipe(CategoryId, v.description("A category id; else the profile's default."))),
    }),
  }),
  v.title('Suggestion rule'),
  v.description('The first rule whose conditions all match suggests its profile and category.'),
);
export type Rule = v.InferOutput<typeof RuleSchema>;

/** Record metadata a site plugin may read, and which of them hold lists or dates. */
const TEXT_SITE_FIELDS = ['title', 'sourceId', 'originator', 'owner', 'publisher', 'description', 'language'] as const;
const DATE_SITE_FIELDS = ['dateCreated', 'dateModified', 'dateSent'] as const;
const LIST_FIELDS = ['addressees', 'otherAddressees', 'author'] as const;
export const SITE_FIELDS = [...TEXT_SITE_FIELDS, ...DATE_SITE_FIELDS, ...LIST_FIELDS] as const;
export type SiteField = (typeof SITE_FIELDS)[number];
export const LIST_SITE_FIELDS: readonly SiteField[] = LIST_FIELDS;
/** Fields a capture template may use as `{placeholder}`: the single-valued ones. */
export const TEMPLATE_FIELDS: readonly SiteField[] = SITE_FIELDS.filter((f) => !LIST_SITE_FIELDS.includes(f));

const Selector = v.pipe(str(1, 512), v.description('A CSS selector, e.g. "h1.doc-title".'));

export const FieldSourceSchema = v.union(
  [
    v.strictObject({
      selector: Selector,
      attribute: v.optional(
        v.pipe(
          v.string(),
          v.regex(/^[A-Za-z_:][-A-Za-z0-9_:.]{0,63}$/, 'must be an attribute name'),
          v.description("Read this attribute instead of the element's text."),
        ),
      ),
    }),
    v.strictObject({
      json: v.pipe(Selector, v.description('Selector of the element (usually a <script>) holding JSON.')),
      path: v.pipe(str(1, 512), v.description('Where the value is in that JSON: $.a.b[0] or $["a key"].')),
    }),
  ],
  'must be { "selector", "attribute"? } or { "json", "path" }',
);
export type FieldSource = v.InferOutput<typeof FieldSourceSchema>;

const optionalSource = v.optional(FieldSourceSchema);

export const SiteSchema = v.pipe(
  v.strictObject({
    id: v.pipe(
      v.string(),
      v.regex(/^[a-z0-9-]{1,34}$/, 'must be 1 to 34 lowercase letters, digits or "-"'),
      v.description('The detector is named site-<id> (rules can match it with "app").'),
    ),
    title: Title,
    matches: v.pipe(
      v.array(str(1, 2048)),
      v.minLength(1),
      v.maxLength(50),
      v.description('Manifest match patterns of the pages, e.g. "https://dms.example.org/doc/*".'),
    ),
    kind: SourceKindSchema,
    fields: v.pipe(
      v.strictObject({
        title: FieldSourceSchema,
        sourceId: FieldSourceSchema,
        originator: optionalSource,
        owner: optionalSource,
        publisher: optionalSource,
        description: optionalSource,
        language: optionalSource,
        dateCreated: optionalSource,
        dateModified: optionalSource,
        dateSent: optionalSource,
        addressees: optionalSource,
        otherAddressees: optionalSource,
        author: optionalSource,
      }),
      v.description('Where each record field is on the page; title and sourceId are required.'),
    ),
    capture: v.optional(
      v.strictObject({
        original: v.optional(
          v.pipe(
            str(1, 2048),
            v.description(
              'https URL of the original, same origin as the page, with {field} placeholders, e.g. ' +
                '"https://dms.example.org/api/doc/{sourceId}/download".',
            ),
          ),
        ),
        name: v.optional(v.pipe(str(1, 255), v.description('File name, may use {field} placeholders.'))),
        mimeType: v.optional(
          v.pipe(
            v.string(),
            v.regex(/^[\w.+-]{1,127}\/[\w.+-]{1,127}$/, 'must be a media type such as application/pdf'),
          ),
        ),
      }),
    ),
  }),
  v.title('Site plugin'),
  v.description('A declarative detector for an in-house web app; never evaluated as code.'),
);
export type Site = v.InferOutput<typeof SiteSchema>;

// ── appHosts: built-in apps on the organisation's own hosts (utils/presets/site-scripts.ts registers their scripts) ─
/** A manifest match pattern naming one host (or its subdomains): the grammar `patterns.ts` parses, as a regex. */
const AppHostPattern = v.pipe(
  str(1, 2048),
  v.regex(
    /^(\*|https?):\/\/(\*\.)?[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*(:\d{1,5})?\/.*$/,
    'must be a match pattern naming a host, such as https://wiki.example.org/*',
  ),
);

const appHostList = v.optional(v.pipe(v.array(AppHostPattern), v.maxLength(50)));

export const AppHostsSchema = v.pipe(
  v.strictObject({ confluence: appHostList, jira: appHostList, sharepoint: appHostList, outlook: appHostList }),
  v.title('Apps on your own hosts'),
  v.description(
    'Built-in apps your organisation runs on its own hosts (Confluence and Jira Server or Data Center, SharePoint ' +
      'Server, Outlook Web App on premises): the match patterns of their pages, e.g. ' +
      '{ "confluence": ["https://wiki.example.org/*"] }. After the one-click grant in options they are read on page ' +
      'load, exactly as on the apps’ cloud hosts; without it, when the user opens Recordkeeper there.',
  ),
);
export type AppHosts = v.InferOutput<typeof AppHostsSchema>;
// ─────────────────────────────────────────────────────────────────────────────────────────────────────────────────

/** The sections a lower source may be locked out of: every section but the version and the locks themselves. */
const LOCKABLE_SECTIONS = [
  'repository',
  'filePlan',
  'profiles',
  'vocabularies',
  'rules',
  'sites',
  'connectors',
  'appHosts',
] as const;
/** The top-level sections of a presets document; policy, repository and imported file are merged per section. */
export const PRESETS_SECTIONS = ['version', ...LOCKABLE_SECTIONS, 'locked'] as const;
export type PresetsSection = (typeof PRESETS_SECTIONS)[number];

/** What `locked` may name: the connection settings, and the presets sections a lower source may not supply. */
export const LOCKABLE_KEYS = ['repositoryUrl', 'connector', ...LOCKABLE_SECTIONS] as const;
export type LockableKey = (typeof LOCKABLE_KEYS)[number];

export const RepositorySettingsSchema = v.pipe(
  v.strictObject({
    url: v.optional(
      v.pipe(
        v.string(),
        v.maxLength(2048),
        v.regex(/^https?:\/\/[^\s/?#]+[^\s]*$/, 'must be an http(s) URL'),
        v.description('Base URL of the Records API repository, e.g. https://records.example.org'),
      ),
    ),
    presetsRefreshMinutes: v.optional(
      v.pipe(
        v.number(),
        v.integer(),
        v.minValue(5),
        v.maxValue(1440),
        v.description('How often browsers fetch the repository presets (they also fetch at startup).'),
      ),
    ),
  }),
  v.title('Repository settings'),
);

/** Each connector's category → target mapping (utils/connectors/mappings.ts), keyed by connector id. */
export const ConnectorMappingsSchema = v.pipe(
  v.strictObject(Object.fromEntries(Object.entries(connectorMappings).map(([id, schema]) => [id, v.optional(schema)]))),
  v.title('Connector mappings'),
  v.description(
    "Where each file-plan category goes in the repository's own structure, per connector id (see the " +
      'connector guides in docs/connectors/). Records API v1 needs none.',
  ),
);

export const PresetsSchema = v.pipe(
  v.strictObject({
    $schema: v.optional(v.pipe(str(1, 2048), v.description('The JSON Schema, for editors; ignored otherwise.'))),
    version: v.pipe(
      v.number(),
      v.integer(),
      v.minValue(0),
      v.maxValue(2_147_483_647),
      v.description('Version of this document; raise it with every change.'),
    ),
    repository: v.optional(RepositorySettingsSchema),
    filePlan: v.optional(
      v.pipe(v.array(CategorySchema), v.maxLength(10_000), v.description('The file plan: a tree of categories.')),
      [],
    ),
    profiles: v.optional(v.pipe(v.array(ProfileSchema), v.maxLength(1000)), []),
    vocabularies: v.optional(
      v.pipe(
        v.record(VocabularyId, v.pipe(v.array(str(1, 128)), v.maxLength(5000))),
        v.maxEntries(200),
        v.description('Tag vocabularies by id; a profile offers one of them.'),
      ),
      {},
    ),
    rules: v.optional(v.pipe(v.array(RuleSchema), v.maxLength(10_000)), []),
    sites: v.optional(v.pipe(v.array(SiteSchema), v.maxLength(200)), []),
    connectors: v.optional(ConnectorMappingsSchema),
    appHosts: v.optional(AppHostsSchema, {}),
    locked: v.optional(
      v.pipe(
        v.array(v.picklist(LOCKABLE_KEYS)),
        v.maxLength(LOCKABLE_KEYS.length * 2),
        v.description('Settings and sections users and lower-precedence sources cannot change.'),
      ),
      [],
    ),
  }),
  v.title('Recordkeeper presets'),
  v.description(
    'File plan, capture profiles, tag vocabularies, suggestion rules and site plugins that admins push to ' +
      'Recordkeeper through enterprise policy, the repository or an imported file.',
  ),
);
export type Presets = v.InferOutput<typeof PresetsSchema>;

/** Presets used until an admin's arrive: one neutral profile and no file plan. */
export const EMPTY_PRESETS: Presets = {
  version: 0,
  filePlan: [],
  profiles: [
    { id: 'general', title: 'General record', recordType: 'document', fields: [], freeTags: true, capture: [] },
  ],
  vocabularies: {},
  rules: [],
  sites: [],
  appHosts: {},
  locked: [],
};

/** The file plan as a flat list, depth-first, for pickers and lookups. */
const flattened = new WeakMap<readonly Category[], readonly { category: Category; depth: number }[]>();

/** The plan depth-first, each category with its depth; worked out once per plan (a presets document is never changed). */
export function flattenFilePlan(plan: readonly Category[]): readonly { category: Category; depth: number }[] {
  const list = flattened.get(plan);
  if (list) return list;
  const out: { category: Category; depth: number }[] = [];
  const walk = (categories: readonly Category[], depth: number) => {
    for (const category of categories) {
      out.push({ category, depth });
      if (category.children) walk(category.children, depth + 1);
    }
  };
  walk(plan, 0);
  flattened.set(plan, out);
  return out;
}
