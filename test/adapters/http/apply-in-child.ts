/**
 * Runs one `apply` of the http adapter in a process of its own, printing the
 * step log to stdout, so a test can SIGKILL it mid-poll like a crashed worker.
 *
 *     node --import tsx apply-in-child.ts <settings JSON> <work folder> <step id>
 */
import { httpAdapter } from '../../../adapters/http/index.ts';
import { httpConfigSchema } from '../../../adapters/http/schema.ts';
import { makeAdapterContext } from '../context.ts';

const [settings = '', workDir = '', stepId = ''] = process.argv.slice(2);
const ctx = makeAdapterContext({
  config: httpConfigSchema.parse(JSON.parse(settings)),
  workDir,
  configDir: workDir,
  stepId,
  log: (line) => console.log(line),
});
const result = await httpAdapter.apply(ctx);
console.log(`applied: ${result.summary}`);
