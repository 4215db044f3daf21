/** Build-time values (`import.meta.env`) the extension reads; WXT fills them in at build. */
interface ImportMetaEnv {
  readonly [key: string]: string | boolean | number | undefined;
}
