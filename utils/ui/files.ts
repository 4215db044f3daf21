/** The largest file the background accepts (32 MB; see FileInspectRequest in utils/messaging.ts). */
export const MAX_FILE_BYTES = 32 * 1024 * 1024;

/** A dropped or chosen file as base64, because extension messaging carries JSON only. */
export async function readAsBase64(file: Blob): Promise<string> {
  const bytes = new Uint8Array(await file.arrayBuffer());
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

export function readAsText(file: Blob): Promise<string> {
  return file.text();
}
