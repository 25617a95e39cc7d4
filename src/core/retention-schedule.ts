/**
 * `retention:` on a timer: every `every`, one bot of those sharing the store
 * archives the promotions that finished more than `keep` ago. A run that is
 * cut off (a crash, a restart) leaves the rest for the next one.
 */
import { archiveFinished, type ArchiveReport } from './archive.ts';
import type { Retention } from './model.ts';
import type { CoreRuntime } from './runtime.ts';

export class RetentionSchedule {
  private lastRun: number | undefined;
  private busy = false;

  constructor(
    private readonly runtime: CoreRuntime,
    private readonly retention: Retention,
    /** Where bundles go when `retention.to` names no folder. */
    private readonly defaultFolder: string,
  ) {}

  /** Archives what is due when a period has passed and no other bot took this period; the report, when this bot ran. */
  async runIfDue(): Promise<ArchiveReport | undefined> {
    const { everyMs, keepMs } = this.retention;
    const now = this.runtime.clock.now().getTime();
    if (this.busy || (this.lastRun !== undefined && now - this.lastRun < everyMs)) return undefined;
    this.lastRun = now;
    if (!(await this.runtime.store.claimOnce(`retention:${Math.floor(now / everyMs)}`, everyMs))) return undefined;
    this.busy = true;
    try {
      const folder = this.retention.folder ?? this.defaultFolder;
      const report = await archiveFinished(this.runtime, { before: new Date(now - keepMs), folder, actor: 'baton' });
      if (report.archived.length > 0)
        this.runtime.logger.info(
          { archived: report.archived.length, folder },
          `archived ${report.archived.length} finished promotions into ${folder}`,
        );
      for (const { id, reason } of report.kept)
        this.runtime.logger.warn({ promotionId: id }, `promotion #${id} is due for the archive but stays: ${reason}`);
      return report;
    } finally {
      this.busy = false;
    }
  }
}

/** Runs retention on a timer until the returned function is called. */
export function watchRetention(runtime: CoreRuntime, defaultFolder: string, tickMs: number): () => void {
  const { retention } = runtime.pipeline;
  if (!retention) return () => undefined;
  const schedule = new RetentionSchedule(runtime, retention, defaultFolder);
  const run = () => {
    schedule
      .runIfDue()
      .catch((error: unknown) =>
        runtime.logger.warn({ err: error }, 'could not archive finished promotions; the next run tries again'),
      );
  };
  const timer = setInterval(run, tickMs);
  timer.unref();
  run();
  return () => clearInterval(timer);
}
