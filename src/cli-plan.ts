/** `baton plan`: the plan and policy verdict of a promotion, for people or (with --json) for scripts. */
import { existsSync } from 'node:fs';
import { createAdapterLookup } from '../adapters/registry.ts';
import { AuditLog } from './core/audit.ts';
import type { DryRunPlan } from './core/dry-run.ts';
import { environmentSecrets, systemClock } from './core/capabilities.ts';
import { PromotionIntents } from './core/intents.ts';
import { releaseReferenceFrom } from './core/release-reference.ts';
import { describeRelease } from './core/release.ts';
import { plural } from './chat/render/labels.ts';
import { createMemoryEngine } from './engine/memory/index.ts';
import { createLogger } from './logger.ts';
import { LocalProgramSupervisor } from './program-supervisor.ts';
import { loadPipeline } from './config-loader/load.ts';
import { KEY_VARIABLE, loadOutputCipher, PREVIOUS_KEY_VARIABLE } from './secrets-at-rest.ts';
import { evidenceFilesOnDisk } from './evidence-files.ts';

export interface PlanRequest {
  releaseWords: string[];
  environment: string;
  configPath: string;
  dataDir: string;
  user: string;
  json: boolean;
}

function planText(plan: DryRunPlan): string {
  const lines = [
    `Plan: ${describeRelease(plan.release)} → ${plan.environment} (${plural(plan.steps.length, 'step')}, ${plural(plan.waves.length, 'wave')})`,
  ];
  plan.waves.forEach((wave, index) => {
    lines.push(`Wave ${index + 1}`);
    for (const component of wave) {
      const step = plan.steps.find((s) => s.component === component);
      if (!step) continue;
      const from = step.previousVersion ? `${step.previousVersion} → ` : '';
      const reversible = step.preview ? (step.preview.reversible ? 'reversible' : 'IRREVERSIBLE') : 'no preview';
      const error = plan.previewErrors[component];
      lines.push(
        `  ${component} ${from}${step.version}  (${step.adapter}, ${reversible})  ${error ? `preview failed: ${error}` : (step.preview?.summary ?? '')}`,
      );
      for (const detail of step.preview?.details ?? []) lines.push(`      ${detail}`);
    }
  });
  lines.push('policy');
  for (const check of plan.checks) lines.push(`  ${check.passed ? 'ok  ' : 'NO  '} ${check.rule}: ${check.message}`);
  return `${lines.join('\n')}\n`;
}

export async function planFromCommandLine(request: PlanRequest): Promise<{ text: string; allowed: boolean }> {
  const adapters = createAdapterLookup();
  const pipeline = await loadPipeline(request.configPath, { adapters });
  const logger = createLogger('warn');
  // Read the records a running bot keeps, without writing to them.
  const engine = createMemoryEngine({
    ...(existsSync(request.dataDir) ? { dataDir: request.dataDir } : {}),
    logger,
    compact: false,
  });
  const cipher = await loadOutputCipher({
    key: process.env[KEY_VARIABLE],
    previousKey: process.env[PREVIOUS_KEY_VARIABLE],
    dataDir: request.dataDir,
    withoutKey: 'read',
  });
  const promotions = new PromotionIntents({
    pipeline,
    store: engine.store,
    queue: engine.queue,
    adapters,
    audit: new AuditLog(engine.store, systemClock, logger),
    clock: systemClock,
    secrets: environmentSecrets,
    cipher,
    logger,
    workDir: `${request.dataDir}/work`,
    programs: new LocalProgramSupervisor(undefined),
    evidenceFiles: evidenceFilesOnDisk,
    retryDelayMs: 1000,
  });
  const { release, fromEnvironment } = await promotions.resolveRelease(releaseReferenceFrom(request.releaseWords));
  const plan = await promotions.dryRun({
    release,
    environment: request.environment,
    requestedBy: request.user,
    ...(fromEnvironment ? { fromEnvironment } : {}),
  });
  const allowed = plan.checks.every((c) => c.passed) && Object.keys(plan.previewErrors).length === 0;
  const text = request.json
    ? `${JSON.stringify(
        {
          release: plan.release,
          environment: plan.environment,
          allowed,
          waves: plan.waves,
          steps: plan.steps.map((s) => ({
            id: s.id,
            component: s.component,
            adapter: s.adapter,
            version: s.version,
            previousVersion: s.previousVersion,
            needs: s.needs,
            wave: s.wave,
            preview: s.preview,
          })),
          checks: plan.checks,
          previewErrors: plan.previewErrors,
        },
        null,
        2,
      )}\n`
    : planText(plan);
  return { text, allowed };
}
