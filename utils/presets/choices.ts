/** What the user chose before, so the popup can suggest it again. */
export interface Choices {
  /** Last profile and category per detector id (`gmail`) and per sender domain (`hr.example.org`). */
  bySite: Record<string, { profileId: string; categoryId?: string | undefined }>;
  bySender: Record<string, { profileId: string; categoryId?: string | undefined }>;
  /** Values of retainable fields, per profile. */
  retained: Record<string, Record<string, string>>;
}
