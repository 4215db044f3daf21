import * as v from 'valibot';
import { type DeclaredRecord, type Receipt, ReceiptSchema } from '../records/record';
import { type Connector, ConnectorError, type Json, type PartSource } from './connector';
import { isHttpUrl } from './http';

/**
 * Where the delivery of one record stands, saved in the outbox after every step so that a resend continues. It
 * belongs to one connector: progress made towards another repository is dropped, never replayed elsewhere.
 */
export interface DeliveryProgress {
  connector: string;
  target?: Json | undefined;
  /** Per part index: the checkpoint of an unfinished upload, or the finished part's reference. */
  parts: Record<number, { checkpoint?: Json | undefined; ref?: Json | undefined }>;
  committed?: Json | undefined;
}

/** The outbox's side of a delivery: one record's progress. */
export interface ProgressStore {
  get(): Promise<unknown>;
  save(progress: DeliveryProgress): Promise<void>;
}

const JsonValue: v.GenericSchema<Json> = v.lazy(() =>
  v.union([v.null(), v.boolean(), v.number(), v.string(), v.array(JsonValue), v.record(v.string(), JsonValue)]),
);

const ProgressSchema = v.object({
  connector: v.string(),
  target: v.optional(JsonValue),
  parts: v.record(
    v.pipe(v.string(), v.regex(/^\d+$/)),
    v.object({ checkpoint: v.optional(JsonValue), ref: v.optional(JsonValue) }),
  ),
  committed: v.optional(JsonValue),
});

/** Saved progress for this connector, or a fresh start when there is none, or it is another's, or unreadable. */
export function readProgress(saved: unknown, connectorId: string): DeliveryProgress {
  const parsed = v.safeParse(ProgressSchema, saved);
  if (!parsed.success || parsed.output.connector !== connectorId) return { connector: connectorId, parts: {} };
  return parsed.output as DeliveryProgress;
}

/**
 * Delivers one record through a connector, step by step: the target; then, unless a create is already on record,
 * a look for the record in the repository (a create whose answer was lost is found, not repeated); each part,
 * checkpointed by the connector as it goes; the commit; the declaration; and the fixity check. Throws
 * `ConnectorError` for every failure; the drain decides from its kind.
 *
 * What is saved is what would cost work to redo: every checkpoint, the reference of a part whose upload was
 * checkpointed, and the commit when the declaration is a call of its own. The rest is redone on a resend, which
 * the contract allows (every step is idempotent), and a small record costs the outbox no write at all.
 */
export async function deliver(
  connector: Connector,
  record: DeclaredRecord,
  parts: PartSource[],
  store: ProgressStore,
): Promise<Receipt> {
  if (parts.length !== record.content.length) {
    throw new ConnectorError(
      `The outbox holds ${parts.length} content parts for record ${record.id}, which lists ${record.content.length}.`,
      'permanent',
    );
  }
  const progress = readProgress(await store.get(), connector.id);
  let saved = Object.keys(progress.parts).length > 0 || progress.committed !== undefined;
  const save = async () => {
    saved = true;
    await store.save(progress);
  };

  progress.target ??= await connector.resolveTarget(record);
  const target = progress.target;

  if (progress.committed === undefined) {
    const existing = await connector.findExisting(record, target);
    if (existing !== undefined) progress.committed = existing;
  }

  if (progress.committed === undefined) {
    const refs: Json[] = [];
    for (const [index, entry] of record.content.entries()) {
      const state = progress.parts[index] ?? {};
      if (state.ref === undefined) {
        let checkpointed = state.checkpoint !== undefined;
        const ref = await connector.sendPart({
          record,
          target,
          entry,
          part: parts[index]!,
          checkpoint: state.checkpoint,
          save: async (checkpoint) => {
            checkpointed = true;
            progress.parts[index] = { checkpoint };
            await save();
          },
        });
        progress.parts[index] = { ref };
        if (checkpointed) await save();
        refs.push(ref);
      } else refs.push(state.ref);
    }
    try {
      progress.committed = await connector.commit({ record, target, parts, refs });
    } catch (error) {
      if (error instanceof ConnectorError && error.lostParts.length > 0) {
        for (const index of error.lostParts) delete progress.parts[index];
        if (saved) await save();
      }
      throw error;
    }
    if (connector.describe().declaration !== 'on-create') await save();
  }

  const receipt = await connector.finalize(record, target, progress.committed);
  const parsed = v.safeParse(ReceiptSchema, receipt);
  if (!parsed.success) {
    throw new ConnectorError(`The ${connector.id} connector produced a receipt that does not validate.`, 'permanent');
  }
  if (!isHttpUrl(parsed.output.url)) {
    throw new ConnectorError(
      `The repository's receipt links to "${parsed.output.url.slice(0, 100)}", which is not a web address; the ` +
        'receipt is not kept. Ask its administrator to check the repository.',
      'permanent',
    );
  }
  const mismatch = await connector.verify(record, parsed.output);
  if (mismatch) throw new ConnectorError(`The repository's copy does not match: ${mismatch}.`, 'permanent');
  return parsed.output;
}
