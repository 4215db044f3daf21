import { maskAttribute, maskText } from './mask';

/**
 * A page skeleton: the page's DOM with its content gone, for a developer to see why a detector missed it
 * ("Report a missed page", issue 14). Elements keep their tag and attribute names; every text node (including the
 * text of scripts, styles, JSON blocks, titles and text areas) becomes placeholders of the same length; attribute
 * values are masked, except structure (utils/health/mask.ts); comments are dropped; `<template>` contents and open
 * shadow roots are walked the same way (a shadow root as a declarative `<template shadowrootmode="open">`). Nothing
 * is ever copied from the page as it is, apart from names (of tags and attributes) and the vocabularies mask.ts
 * lists. Frames are not entered: detectors read the top document only.
 *
 * It reads attributes, never properties, so what a user typed in a field (an input's `value` property) is not read
 * at all. It runs in the page (entrypoints/skeleton.content.ts) and in tests on parsed HTML.
 */

/** Elements without an end tag (https://html.spec.whatwg.org/multipage/syntax.html#void-elements). */
const VOID = new Set([
  'area',
  'base',
  'br',
  'col',
  'embed',
  'hr',
  'img',
  'input',
  'link',
  'meta',
  'source',
  'track',
  'wbr',
  'param',
  'keygen',
]);

/** A skeleton larger than this (in characters) is cut short, and says so: the message carrying it has limits. */
export const MAX_SKELETON_CHARS = 24 * 1024 * 1024;

const TAG = /^[A-Za-z][A-Za-z0-9._-]*(:[A-Za-z][A-Za-z0-9._-]*)?$/;
/** What HTML allows in an attribute name, and not too long. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this refuses
const ATTRIBUTE = /^[^\s"'>/=\u0000-\u001f\u007f-\u009f]{1,128}$/;

const ELEMENT_NODE = 1;
const TEXT_NODE = 3;
const CDATA_SECTION_NODE = 4;

function escapeAttribute(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function tagOf(element: Element): string {
  const name = element.localName;
  return TAG.test(name) ? name : 'x-element';
}

function attributesOf(element: Element, tag: string): string {
  let out = '';
  for (const attribute of Array.from(element.attributes)) {
    if (!ATTRIBUTE.test(attribute.name)) continue;
    const value = maskAttribute(tag, attribute.name, attribute.value);
    out += value === '' ? ` ${attribute.name}` : ` ${attribute.name}="${escapeAttribute(value)}"`;
  }
  return out;
}

export interface Skeleton {
  /** The HTML of the skeleton, from `<!doctype html>`. */
  body: string;
  elements: number;
  truncated: boolean;
}

/**
 * The skeleton of `document`. The walk keeps its own stack, so a page nested ten thousand levels deep costs memory,
 * not the call stack.
 */
export function skeletonOf(document: Document, maxChars = MAX_SKELETON_CHARS): Skeleton {
  const out: string[] = ['<!doctype html>\n'];
  let size = out[0]!.length;
  let elements = 0;
  let truncated = false;
  const stack: (Node | string)[] = document.documentElement ? [document.documentElement] : [];
  const emit = (text: string) => {
    out.push(text);
    size += text.length;
  };
  while (stack.length > 0) {
    if (size > maxChars) {
      truncated = true;
      break;
    }
    const item = stack.pop()!;
    if (typeof item === 'string') {
      emit(item);
      continue;
    }
    if (item.nodeType === TEXT_NODE || item.nodeType === CDATA_SECTION_NODE) {
      // Only `x` and white space remain, so nothing needs escaping, even inside a script or a style.
      emit(maskText((item as Text).data));
      continue;
    }
    if (item.nodeType !== ELEMENT_NODE) continue; // comments, processing instructions: dropped
    const element = item as Element;
    const tag = tagOf(element);
    elements++;
    emit(`<${tag}${attributesOf(element, tag)}>`);
    if (VOID.has(tag)) continue;
    stack.push(`</${tag}>`);
    const inside = tag === 'template' ? (element as HTMLTemplateElement).content : element;
    const children = inside ? Array.from(inside.childNodes) : [];
    for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]!);
    // An open shadow root comes first, as the declarative shadow DOM a browser would parse back.
    const shadow = (element as Element & { shadowRoot?: ShadowRoot | null }).shadowRoot;
    if (shadow) {
      stack.push('</template>');
      const hosted = Array.from(shadow.childNodes);
      for (let i = hosted.length - 1; i >= 0; i--) stack.push(hosted[i]!);
      stack.push('<template shadowrootmode="open">');
    }
  }
  return { body: out.join(''), elements, truncated };
}
