/**
 * The extension's type-check sees no Node: WXT's own type declarations import `vite`, whose types pull in
 * `@types/node`, and with them `node:*` modules and `process` would type-check in code that runs in a browser.
 * tsconfig.json maps `vite` here for the extension project only (tsconfig.node.json sees the real one).
 */
export {};
