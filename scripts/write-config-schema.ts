/** Writes config/baton.schema.json from the config's zod schema: `npx tsx scripts/write-config-schema.ts`. */
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { pipelineJsonSchema } from '../src/config-loader/json-schema.ts';

const target = fileURLToPath(new URL('../config/baton.schema.json', import.meta.url));
await writeFile(target, `${JSON.stringify(pipelineJsonSchema(), null, 2)}\n`);
console.log(`wrote ${target}`);
