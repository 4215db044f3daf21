/**
 * Header labels mail apps show in the UI language, for the few places where a label is the only way to tell To from
 * Cc (Gmail's details table, OWA's From/To regions). Each list carries en, fr, de, es, it, pt, nl, ja, zh and ko,
 * as the apps write them; `headerKind` compares them without case, spaces or the colon (ASCII or full-width).
 */
export type HeaderKind = 'from' | 'to' | 'cc' | 'bcc';

const LABELS: Record<HeaderKind, string[]> = {
  from: ['from', 'de', 'von', 'da', 'van', '差出人', '送信元', '发件人', '寄件者', '보낸사람'],
  to: ['to', 'à', 'a', 'an', 'para', 'aan', '宛先', '收件人', '收件者', '받는사람'],
  cc: ['cc', '抄送', '副本', '참조'],
  bcc: ['bcc', 'cci', 'cco', 'ccn', '密送', '密件抄送', '密件副本', '숨은참조'],
};

const BY_LABEL = new Map<string, HeaderKind>(
  (Object.entries(LABELS) as [HeaderKind, string[]][]).flatMap(([kind, labels]) => labels.map((l) => [l, kind])),
);

function normalise(label: string): string {
  return label
    .normalize('NFC')
    .toLowerCase()
    .replace(/[\s\u00a0\u202f:：]+/g, '');
}

/** The header a label stands for (`À :` → `to`, `宛先:` → `to`), or undefined. */
export function headerKind(label: string): HeaderKind | undefined {
  return BY_LABEL.get(normalise(label.slice(0, 40)));
}

/** The header an `aria-label` such as `To: Ann Lee; Bob` or `宛先: 佐藤` starts with, and the rest of it. */
export function labelledHeader(label: string): { kind: HeaderKind; rest: string } | undefined {
  const m = /^([^:：]{1,20})\s*[:：]\s*([\s\S]*)$/.exec(label.slice(0, 4096));
  const kind = m ? headerKind(m[1]!) : undefined;
  return kind ? { kind, rest: m![2]! } : undefined;
}

/** The name mail apps give the signed-in user in place of their own name ("me", "moi", "ich", …). */
const SELF = new Set(['me', 'moi', 'ich', 'yo', 'io', 'eu', 'ik', 'mij', '自分', '我', '나']);

export function isSelfLabel(name: string): boolean {
  return SELF.has(normalise(name));
}
