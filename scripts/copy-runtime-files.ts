/**
 * After `tsc -p tsconfig.build.json`, copies what the compiled modules read beside them
 * (the console's page, the bundled example, the command) so `dist/` runs on its own:
 * `node dist/bin/baton.js start`. `npm run build` runs both.
 */
import { cpSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../', import.meta.url));
const dist = `${root}dist/`;

for (const path of ['bin/baton.js', 'config', 'src/chat/console/public', 'package.json']) {
  cpSync(`${root}${path}`, `${dist}${path}`, { recursive: true });
}
console.log(`dist/ is ready: node dist/bin/baton.js start`);
