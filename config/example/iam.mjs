// Pretend infrastructure: a queue and a role per environment. Irreversible
// (no rollback command), like most infrastructure changes.
import { environment, pause, publish, readState, version, writeState } from './state.mjs';

const state = readState();
if (process.argv[2] === 'current') {
  if (state.version) console.log(state.version);
  process.exit(0);
}
const queueUrl = `https://sqs.eu-central-1.example/123456789012/orders-${environment}`;
const roleArn = `arn:aws:iam::123456789012:role/api-${environment}`;
if (state.version === version) {
  console.log(`queue and role already at ${version}`);
} else {
  console.log(`creating queue orders-${environment} and role api-${environment} (${version})`);
  await pause(400);
  writeState({ version, queueUrl, roleArn });
}
publish('queue_url', queueUrl);
publish('role_arn', roleArn);
