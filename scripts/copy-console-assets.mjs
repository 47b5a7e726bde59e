// Copies the web console's static files (packages/base/src/console/static/: index.html, console.js,
// console.css; written by hand, no build step of their own) beside the compiled console code in
// packages/base/dist/console/static/, which the package ships. Part of `npm run build`.
import { cpSync, mkdirSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const from = fileURLToPath(new URL('../packages/base/src/console/static/', import.meta.url));
const to = fileURLToPath(new URL('../packages/base/dist/console/static/', import.meta.url));
rmSync(to, { recursive: true, force: true });
mkdirSync(to, { recursive: true });
cpSync(from, to, { recursive: true });
