/** The core on the memory engine with a fake target, for fast behaviour tests. */
import { AuditLog } from '../../src/core/audit.ts';
import type { Pipeline } from '../../src/core/model.ts';
import { PromotionIntents } from '../../src/core/intents.ts';
import type { CoreRuntime } from '../../src/core/runtime.ts';
import { runJob } from '../../src/core/jobs.ts';
import { LocalProgramSupervisor } from '../../src/program-supervisor.ts';
import { createMemoryEngine } from '../../src/engine/memory/index.ts';
import { parsePipeline } from '../../src/config-loader/load.ts';
import type { OutputCipher } from '../../src/core/capabilities.ts';
import { throwawayCipher } from '../../src/secrets-at-rest.ts';
import { FakeTarget, fakeLookup } from './fake-adapter.ts';
import { silentLogger } from './silent-logger.ts';
import { TestClock } from './test-clock.ts';
import { evidenceFilesOnDisk } from '../../src/evidence-files.ts';

export interface CoreHarness {
  pipeline: Pipeline;
  runtime: CoreRuntime;
  promotions: PromotionIntents;
  target: FakeTarget;
  clock: TestClock;
  settle(): Promise<void>;
}

export function coreHarness(
  yaml: string,
  secrets: Record<string, string> = {},
  cipher: OutputCipher = throwawayCipher(),
): CoreHarness {
  const target = new FakeTarget();
  const adapters = fakeLookup(target);
  const pipeline = parsePipeline(yaml, '/pipelines/baton.yaml', { adapters });
  const engine = createMemoryEngine({ logger: silentLogger });
  const clock = new TestClock();
  const runtime: CoreRuntime = {
    pipeline,
    store: engine.store,
    queue: engine.queue,
    adapters,
    audit: new AuditLog(engine.store, clock, silentLogger),
    clock,
    secrets: { get: (name) => secrets[name] },
    cipher,
    logger: silentLogger,
    workDir: '/tmp/baton-core-tests',
    retryDelayMs: 1,
    programs: new LocalProgramSupervisor(undefined),
    evidenceFiles: evidenceFilesOnDisk,
  };
  const promotions = new PromotionIntents(runtime);
  engine.queue.work((job) => runJob(runtime, job), { concurrency: 4 });
  return { pipeline, runtime, promotions, target, clock, settle: () => engine.queue.drained() };
}
