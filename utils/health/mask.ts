/**
 * How a page skeleton hides what a page says (issue 14, "Report a missed page"). Three ways to hide a value:
 * - `maskText`: every character but white space becomes `x` (text, and every attribute value that is not structure);
 * - `shapeOf`: letters become `a`/`A`, digits `0`, punctuation stays (ids, class names, the page address): the
 *   value's form survives (its length, where its separators are), so a check for "an id of this form" still passes
 *   on the skeleton, but the value itself does not;
 * - a short list of vocabularies whose values are the page's structure, never its content (ARIA roles and states,
 *   input types, link relations, the path words of the apps' own routes), kept as they are.
 * Pure string functions: the skeleton script (utils/health/skeleton.ts) runs them in the page.
 */

/** Every character but white space as `x`: same length in characters, nothing of the text left. */
export function maskText(text: string): string {
  return text.replace(/\S/gu, 'x');
}

/** Letters as `a`/`A`, digits as `0`, other ASCII kept, anything else as `x`. */
export function shapeOf(text: string): string {
  return text.replace(/[^\t\n\f\r !-/:-@[-`{-~]/gu, (c) =>
    c >= 'a' && c <= 'z' ? 'a' : c >= 'A' && c <= 'Z' ? 'A' : c >= '0' && c <= '9' ? '0' : 'x',
  );
}

/** A class list or id list, token by token. */
const shapeTokens = (value: string) => value.replace(/\S+/g, shapeOf);

const set = (words: string) => new Set(words.split(/\s+/).filter(Boolean));

/** WAI-ARIA 1.2 roles (https://www.w3.org/TR/wai-aria-1.2/#role_definitions) and the Graphics ARIA roles. */
const ROLES = set(`
  alert alertdialog application article banner blockquote button caption cell checkbox code columnheader combobox
  command comment complementary composite contentinfo definition deletion dialog directory document emphasis feed
  figure form generic grid gridcell group heading img image input insertion landmark link list listbox listitem log
  main mark marquee math menu menubar menuitem menuitemcheckbox menuitemradio meter navigation none note option
  paragraph presentation progressbar radio radiogroup range region roletype row rowgroup rowheader scrollbar search
  searchbox section sectionhead select separator slider spinbutton status strong subscript suggestion superscript
  switch tab table tablist tabpanel term textbox time timer toolbar tooltip tree treegrid treeitem widget window
  graphics-document graphics-object graphics-symbol`);

/** The enumerated values of ARIA states and properties (aria-checked, aria-current, aria-live, aria-sort…). */
const ARIA_TOKENS = set(`
  true false mixed undefined page step location date time polite assertive off on both inline list none ascending
  descending other horizontal vertical additions removals text all grid listbox menu tree dialog copy execute link
  move popup`);

/** Attributes whose values are ids (or lists of ids): shaped like the ids they point at, so references line up. */
const ID_ATTRIBUTES = set(`
  id class for headers form list itemref slot part name aria-labelledby aria-describedby aria-controls aria-owns
  aria-activedescendant aria-flowto aria-details aria-errormessage`);

/** Input, button, script, style and link types. */
const TYPES = set(`
  button checkbox color date datetime-local email file hidden image month number password radio range reset search
  submit tel text time url week menu module importmap speculationrules text/javascript application/javascript
  application/x-javascript text/ecmascript application/ecmascript application/json application/ld+json
  text/template text/x-template text/x-handlebars-template text/html text/plain text/css text/xml image/png
  image/x-icon image/vnd.microsoft.icon image/svg+xml image/gif image/jpeg image/webp application/rss+xml
  application/atom+xml application/opensearchdescription+xml application/manifest+json font/woff font/woff2`);

/** Link relations (https://html.spec.whatwg.org/multipage/links.html#linkTypes and common extensions). */
const RELS = set(`
  alternate author bookmark canonical dns-prefetch external help icon license manifest me modulepreload next
  nofollow noopener noreferrer opener pingback preconnect prefetch preload prerender prev search stylesheet tag
  apple-touch-icon apple-touch-icon-precomposed shortcut mask-icon shortlink edit ugc sponsored`);

/** Other attributes whose few values are structure. */
const ENUMERATED: Record<string, Set<string>> = {
  dir: set('ltr rtl auto'),
  contenteditable: set('true false plaintext-only'),
  draggable: set('true false'),
  spellcheck: set('true false'),
  translate: set('yes no'),
  hidden: set('hidden until-found'),
  method: set('get post dialog'),
  target: set('_blank _self _parent _top'),
  loading: set('lazy eager'),
  decoding: set('sync async auto'),
  crossorigin: set('anonymous use-credentials'),
  inputmode: set('none text decimal numeric tel search email url'),
  enctype: set('application/x-www-form-urlencoded multipart/form-data text/plain'),
  shadowrootmode: set('open closed'),
};

/** A language tag: language, optional script and region (BCP 47's common shapes). */
const LANGUAGE = /^[A-Za-z]{2,3}(-[A-Z][a-z]{3})?(-([A-Za-z]{2}|\d{3}))?$/;
/** The name of a page's own metadata (`<meta name>`/`property`/`itemprop`), kept like an attribute name. */
const META_KEY = /^[A-Za-z][\w.:-]{0,63}$/;

const allIn = (vocabulary: Set<string>, value: string) => {
  const tokens = value.trim().split(/\s+/);
  return tokens.length > 0 && tokens.every((token) => vocabulary.has(token));
};

/**
 * An attribute's value in the skeleton. Structure is kept (an empty value, an ARIA role or state, a type, a link
 * relation, a language, the keys of `<meta>`), ids and class names are shaped, everything else is masked: text
 * (title, alt, aria-label, placeholder, value), addresses (href, src, srcset, action), styles, data-* values.
 */
export function maskAttribute(tag: string, name: string, value: string): string {
  if (value === '') return '';
  const lower = name.toLowerCase();
  if (lower === 'role') return allIn(ROLES, value) ? value : maskText(value);
  if (lower.startsWith('aria-') && allIn(ARIA_TOKENS, value)) return value;
  if (ID_ATTRIBUTES.has(lower) && !(tag === 'meta' && lower === 'name')) return shapeTokens(value);
  if (lower === 'type') return TYPES.has(value.trim().toLowerCase()) ? value : maskText(value);
  if (lower === 'rel') return allIn(RELS, value.toLowerCase()) ? value : maskText(value);
  if (lower === 'lang' || lower === 'xml:lang') return LANGUAGE.test(value) ? value : maskText(value);
  if (tag === 'meta' && ['name', 'property', 'itemprop', 'http-equiv'].includes(lower) && META_KEY.test(value))
    return value;
  if (tag === 'meta' && lower === 'charset' && /^[\w.:-]{1,32}$/.test(value)) return value;
  const enumerated = ENUMERATED[lower];
  if (enumerated?.has(value.trim().toLowerCase())) return value;
  return maskText(value);
}

/**
 * The path words of the apps' own routes (their URL grammars: Gmail, Outlook, Google Docs and Drive, SharePoint,
 * Box, Dropbox, Confluence, Jira, Notion, Slack, Salesforce). A page address in a skeleton keeps these and shapes
 * every other word, so the address still says which kind of page it was, but not which item or what it is called.
 */
const ROUTE_WORDS = set(`
  mail u b inbox label search sent drafts starred snoozed imp all spam trash category chats scheduled compose
  document documents spreadsheets presentation forms drawings a d e edit view preview htmlview viewform pub copy
  file files folder folders drive my-drive shared-with-me shared-drives computers recent recents open id uc export
  download resourcekey usp authuser gid slide tab sharing drive_web
  wiki spaces pages page pageId viewpage action display blog x home edit-v2 overview browse jira software c
  projects project issues boards servicedesk queues selectedIssue jql secure issue
  lightning r o list filterName Recent Account Contact Lead Opportunity Case ContentDocument ContentVersion Task
  Event Campaign Dashboard Report
  sites teams personal _layouts Doc aspx AllItems WopiFrame Forms sourcedoc default mobileredirect true false
  parent viewid
  client archives thread messages channels
  owa mailbox ItemID path viewmodel ReadMessageItem exvsurl deeplink read ispopout
  s scl fi sh dl rlkey context role v p pm html php index`);

/** The words of an address part: everything between its separators. */
const URL_WORD = /[^/?#&=;,.:+!~*'()@$%\s]+/g;

function maskUrlPart(part: string): string {
  return part.replace(URL_WORD, (word) => (ROUTE_WORDS.has(word) ? word : shapeOf(word)));
}

/**
 * The page address as a skeleton keeps it. The scheme, host and port say which app it was and stay; every word of
 * the path, query and fragment that is not one of the apps' route words is shaped, so ids and names (a file name, a
 * page title in the path, a search) are gone. `keepIds`: the user chose to keep the address as it is (without any
 * user name or password in it).
 */
export function maskUrl(url: string, keepIds = false): string {
  if (!URL.canParse(url)) return maskText(url);
  const parsed = new URL(url);
  parsed.username = '';
  parsed.password = '';
  if (keepIds) return parsed.href;
  const origin = parsed.origin === 'null' ? `${parsed.protocol}` : parsed.origin;
  return `${origin}${maskUrlPart(parsed.pathname)}${maskUrlPart(parsed.search)}${maskUrlPart(parsed.hash)}`;
}
