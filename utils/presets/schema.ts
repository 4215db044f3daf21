import * as v from 'valibot';

/**
 * The presets document of design.md § Presets. This first cut checks shapes; cross-reference checks, JSON Schema
 * publication and policy precedence come with the presets work (issue 4).
 */

const Id = v.pipe(v.string(), v.minLength(1), v.maxLength(256));
const Title = v.pipe(v.string(), v.minLength(1), v.maxLength(512));

export interface Category {
  id: string;
  title: string;
  retention?: string | undefined;
  children?: Category[] | undefined;
}

export const CategorySchema: v.GenericSchema<Category> = v.object({
  id: Id,
  title: Title,
  retention: v.optional(v.pipe(v.string(), v.maxLength(512))),
  children: v.optional(v.array(v.lazy(() => CategorySchema))),
});

export const FieldSchema = v.object({
  id: Id,
  label: Title,
  type: v.optional(v.picklist(['text', 'choice', 'date']), 'text'),
  required: v.optional(v.boolean(), false),
  pattern: v.optional(v.string()),
  options: v.optional(v.array(v.string())),
  retain: v.optional(v.boolean(), false),
});
export type Field = v.InferOutput<typeof FieldSchema>;

export const CaptureKind = v.picklist(['original', 'eml', 'attachments', 'pdf', 'snapshot']);

export const ProfileSchema = v.object({
  id: Id,
  title: Title,
  recordType: v.pipe(v.string(), v.minLength(1), v.maxLength(64)),
  defaultCategory: v.optional(Id),
  fields: v.optional(v.array(FieldSchema), []),
  tagVocabulary: v.optional(Id),
  capture: v.optional(v.array(CaptureKind), []),
});
export type Profile = v.InferOutput<typeof ProfileSchema>;

export const RuleSchema = v.object({
  when: v.object({
    app: v.optional(v.string()),
    kind: v.optional(v.picklist(['email', 'document', 'page', 'file'])),
    senderDomain: v.optional(v.string()),
    recipientDomain: v.optional(v.string()),
    titleContains: v.optional(v.string()),
    urlPattern: v.optional(v.string()),
  }),
  suggest: v.object({ profile: Id, category: v.optional(Id) }),
});
export type Rule = v.InferOutput<typeof RuleSchema>;

export const PresetsSchema = v.object({
  version: v.pipe(v.number(), v.integer(), v.minValue(0)),
  filePlan: v.array(CategorySchema),
  profiles: v.array(ProfileSchema),
  vocabularies: v.optional(v.record(Id, v.array(v.pipe(v.string(), v.minLength(1), v.maxLength(128)))), {}),
  rules: v.optional(v.array(RuleSchema), []),
  sites: v.optional(v.array(v.unknown()), []),
  locked: v.optional(v.array(v.string()), []),
});
export type Presets = v.InferOutput<typeof PresetsSchema>;

/** Presets used until an admin's arrive: one neutral profile and no file plan. */
export const EMPTY_PRESETS: Presets = {
  version: 0,
  filePlan: [],
  profiles: [{ id: 'general', title: 'General record', recordType: 'document', fields: [], capture: [] }],
  vocabularies: {},
  rules: [],
  sites: [],
  locked: [],
};

/** The file plan as a flat list, depth-first, for pickers and lookups. */
export function flattenFilePlan(plan: readonly Category[], depth = 0): { category: Category; depth: number }[] {
  return plan.flatMap((category) => [{ category, depth }, ...flattenFilePlan(category.children ?? [], depth + 1)]);
}
