/** A part captured chunk by chunk into the outbox (utils/outbox/outbox.ts `stageChunk`) under `staged` before its record existed. */
export interface StagedPart {
  staged: string;
  size: number;
  chunks: number;
  chunkSize: number;
}
