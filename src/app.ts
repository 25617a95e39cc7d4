/**
 * Puts Baton together: pipeline, engine, core services, the job worker, the
 * chat platform and the HTTP server. `npm start` runs this with the embedded
 * defaults (memory engine, local console); with a Redis URL, any number of
 * bots (`baton start`) and workers (`baton worker`) share one Redis.
 */
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { BatonError, ErrorCode } from './errors.ts';
import { formatDuration } from './durations.ts';
import { createAdapterLookup } from '../adapters/registry.ts';
import type { AdapterLookup } from './core/adapter-contract.ts';
import { ConsoleChat } from './chat/console/console-chat.ts';
import { exampleCommand } from './chat/console/example-command.ts';
import type { ChatOut } from './chat/contract.ts';
import { createInteractionHandler } from './chat/interactions.ts';
import type { ChatPlatform } from './chat/platform.ts';
import type { SlackSettings } from './chat/slack/settings.ts';
import { completePromote } from './chat/discord/completions.ts';
import type { DiscordSettings } from './chat/discord/settings.ts';
import { ThreadPublisher } from './chat/thread-publisher.ts';
import { UNPACED } from './chat/pace.ts';
import { AuditLog, BATON_STREAM, type AuditKeys } from './core/audit.ts';
import type { Pipeline } from './core/model.ts';
import {
  environmentSecrets,
  systemClock,
  type Clock,
  type Logger,
  type SecretSource,
  type UserGroupDirectory,
} from './core/capabilities.ts';
import { PromotionIntents } from './core/intents.ts';
import { DashboardQueries } from './core/dashboard/dashboard-queries.ts';
import { runJob } from './core/jobs.ts';
import { watchDrift } from './core/drift-watch.ts';
import { watchRetention } from './core/retention-schedule.ts';
import { recoverAfterRestart } from './core/recovery.ts';
import { reconcileEnvironments } from './core/scheduler.ts';
import type { CoreRuntime } from './core/runtime.ts';
import type { Engine, Store } from './engine/contract.ts';
import { openEngine } from './engine/open-engine.ts';
import { anyOf, logRefusals, type RefusalRecorder } from './http/access-checks.ts';
import { LEGACY_TOKEN_WARNING, legacyApiTokenEntry } from './http/api-token-settings.ts';
import { apiTokenSet, type ApiTokenEntry, type ApiTokenSet } from './http/api-tokens.ts';
import { registerDoraRoute } from './http/dora-routes.ts';
import { registerHealthRoutes } from './http/health-routes.ts';
import { registerMetricsRoute } from './http/metrics-routes.ts';
import { registerPromotionRoutes } from './http/promotion-routes.ts';
import { registerReleaseRoutes } from './http/release-routes.ts';
import { requireConsoleLogin } from './http/login/console-access.ts';
import { createConsoleLogin, type ConsoleLogin } from './http/login/console-login.ts';
import { loginConfigured, type LoginSettings } from './http/login/settings.ts';
import { createHttpServer, type HttpServer } from './http/server.ts';
import { requireScope } from './http/token-access.ts';
import { loadPipeline } from './config-loader/load.ts';
import { BatonMetrics } from './metrics/baton-metrics.ts';
import { countedChat } from './metrics/counted-chat.ts';
import { instrumentEngine, observeCore } from './metrics/instrument.ts';
import { LocalProgramSupervisor } from './program-supervisor.ts';
import { RunningJobs } from './running-jobs.ts';
import { KEY_VARIABLE, loadOutputCipher, PREVIOUS_KEY_VARIABLE } from './secrets-at-rest.ts';
import { evidenceFilesOnDisk } from './evidence-files.ts';

export interface CoreOptions {
  configPath: string;
  dataDir: string;
  logger: Logger;
  /** Run on Redis (shared by every bot and worker); the embedded engine when absent. */
  redisUrl?: string;
  /** Keep records in PostgreSQL (beside queues on Redis when `redisUrl` is set; see engine/open-engine.ts). */
  databaseUrl?: string;
  /** Redis engine: how long a worker's claim on a step lasts, and how often lapsed claims are looked for. */
  redisLockMs?: number;
  redisStalledCheckMs?: number;
  /** Steps run at once by this process's worker; 0 = this process runs no steps. */
  concurrency?: number;
  clock?: Clock;
  secrets?: SecretSource;
  adapters?: AdapterLookup;
  retryDelayMs?: number;
  /** The key that encrypts sensitive outputs at rest, and the one it replaces; BATON_ENCRYPTION_KEY(_PREVIOUS) when absent. */
  encryptionKey?: string;
  previousEncryptionKey?: string;
  /** The audit trail's keys (BATON_AUDIT_KEY, BATON_SIGNING_KEY). */
  auditKeys?: AuditKeys;
  /** How often a bot reconciles environments (a lock left behind, a promotion window that opened). */
  reconcileIntervalMs?: number;
  /** Serve /metrics without a token on a listener of its own at this port (0 picks a free one); absent: none. */
  metricsPort?: number;
  /** Where that listener listens; the bot's host (a worker: 127.0.0.1) when absent. */
  metricsHost?: string;
}

export interface BatonOptions extends CoreOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  /** Host names (besides loopback names and IP addresses) the HTTP server answers to; BATON_ALLOWED_HOSTS. */
  allowedHosts?: readonly string[];
  /** Named API tokens with scopes (BATON_API_TOKENS_FILE, BATON_API_TOKENS); the token APIs are off without any. */
  apiTokens?: readonly ApiTokenEntry[];
  /** Deprecated (BATON_API_TOKEN): one token that may only register releases; a warning is logged at start. */
  apiToken?: string;
  /** Chat on Slack; without it, the local console is served. */
  slack?: SlackSettings;
  /** Chat on Discord (exclusive with Slack). */
  discord?: DiscordSettings;
  /**
   * How people sign in to the console (OIDC, a trusted proxy). Without one the
   * console trusts whoever reaches it, so Baton refuses to serve it off loopback.
   */
  login?: LoginSettings;
  /** How often the outbox sweeps for unposted records and tries a channel that failed again; a minute by default. */
  outboxSweepMs?: number;
}

interface Core {
  pipeline: Pipeline;
  engine: Engine;
  metrics: BatonMetrics;
  runtime: CoreRuntime;
  promotions: PromotionIntents;
  running: RunningJobs;
  programs: LocalProgramSupervisor;
}

async function startCore(options: CoreOptions, userGroups?: UserGroupDirectory): Promise<Core> {
  const adapters = options.adapters ?? createAdapterLookup();
  const pipeline = await loadPipeline(options.configPath, { adapters });
  const dataDir = resolve(options.dataDir);
  await mkdir(dataDir, { recursive: true });
  // Before Redis is reached: a bot or worker without the shared key must not start at all.
  const cipher = await loadOutputCipher({
    key: options.encryptionKey ?? process.env[KEY_VARIABLE],
    previousKey: options.previousEncryptionKey ?? process.env[PREVIOUS_KEY_VARIABLE],
    dataDir,
    // Records others read (on Redis, in PostgreSQL) need the key every process shares, never one made here.
    withoutKey: options.redisUrl || options.databaseUrl ? 'require' : 'create',
  });
  if (pipeline.retention && !pipeline.retention.folder && (options.redisUrl || options.databaseUrl)) {
    // Bots sharing records each have a data folder of their own (an emptyDir in the Kubernetes overlays): a bundle
    // written there would be the only copy of what the store let go of, and gone with the pod.
    throw new BatonError(
      ErrorCode.ConfigInvalid,
      `retention needs "to" when the records are shared (REDIS_URL or DATABASE_URL is set): name a durable folder every bot mounts, e.g. retention: { keep: ${formatDuration(pipeline.retention.keepMs)}, to: /archive/baton }. A bot's own data folder would hold the only copy of the evidence.`,
    );
  }
  const metrics = new BatonMetrics();
  const created = await openEngine({
    dataDir,
    logger: options.logger,
    ...(options.redisUrl ? { redisUrl: options.redisUrl } : {}),
    ...(options.databaseUrl ? { databaseUrl: options.databaseUrl } : {}),
    ...(options.redisLockMs ? { redisLockMs: options.redisLockMs } : {}),
    ...(options.redisStalledCheckMs ? { redisStalledCheckMs: options.redisStalledCheckMs } : {}),
  });
  const engine = instrumentEngine(created, metrics);
  const clock = options.clock ?? systemClock;
  const running = new RunningJobs();
  const programs = new LocalProgramSupervisor(join(dataDir, 'programs'));
  const audit = new AuditLog(engine.store, clock, options.logger, options.auditKeys);
  ThreadPublisher.feed(audit, engine.outbox);
  const runtime: CoreRuntime = {
    pipeline,
    store: engine.store,
    queue: engine.queue,
    adapters,
    audit,
    clock,
    secrets: options.secrets ?? environmentSecrets,
    cipher,
    logger: options.logger,
    workDir: join(dataDir, 'work'),
    programs,
    evidenceFiles: evidenceFilesOnDisk,
    retryDelayMs: options.retryDelayMs ?? 1000,
    stopping: running.stopping,
    ...(userGroups ? { userGroups } : {}),
  };
  if (engine.repaired) {
    options.logger.warn({ repaired: engine.repaired }, 'the journal was repaired at start');
    await audit.record(BATON_STREAM, {
      type: 'journal.repaired',
      actor: 'baton',
      summary: `Baton repaired its records at start: ${engine.repaired}.`,
    });
  }
  observeCore(metrics, runtime, engine.outbox);
  const promotions = new PromotionIntents(runtime);
  if (engine.queue.durable) await reconcileEnvironments(runtime);
  else await recoverAfterRestart(runtime);
  const concurrency = options.concurrency ?? 4;
  if (concurrency > 0)
    engine.queue.work(
      running.track((job) => runJob(runtime, job)),
      { concurrency },
    );
  return { pipeline, engine, metrics, runtime, promotions, running, programs };
}

/** The /metrics listener of its own, when a port is given for it. */
async function serveMetricsAlone(
  options: CoreOptions & { allowedHosts?: readonly string[] },
  metrics: BatonMetrics,
  defaultHost: string,
): Promise<{ server: HttpServer; url: string } | undefined> {
  if (options.metricsPort === undefined) return undefined;
  const server = createHttpServer({
    host: options.metricsHost ?? defaultHost,
    port: options.metricsPort,
    logger: options.logger,
    allowedHosts: options.allowedHosts ?? [],
  });
  registerMetricsRoute(server, metrics);
  const { url } = await server.listen();
  return { server, url };
}

/** What a process that runs jobs offers a shutdown that cannot wait for them. */
export interface JobsLeftRunning {
  /** The jobs this process is running, in words. */
  running(): string[];
  /**
   * Stops them without recording an outcome: their programs get SIGTERM and
   * a few seconds to exit, so that none runs on beside the worker that takes
   * its step over.
   */
  handBack(): Promise<void>;
}

export interface RunningWorker extends JobsLeftRunning {
  engine: Engine;
  /** Where /metrics is served without a token, when a metrics port was given. */
  metricsUrl?: string;
  close(): Promise<void>;
}

/** Under the time Kubernetes leaves between the grace period and SIGKILL (see DEFAULT_SHUTDOWN_GRACE_MS). */
const PROGRAM_EXIT_WAIT_MS = 3_000;

function jobsLeftRunning(running: RunningJobs, programs: LocalProgramSupervisor): JobsLeftRunning {
  return {
    running: () => running.list(),
    handBack: async () => {
      running.handBackAll();
      await programs.exited(PROGRAM_EXIT_WAIT_MS);
    },
  };
}

/** Runs steps only: no chat, no HTTP. Needs a shared (Redis) engine to be useful. */
export async function startWorker(options: CoreOptions): Promise<RunningWorker> {
  const { engine, metrics, running, programs } = await startCore(options);
  const metricsServer = await serveMetricsAlone(options, metrics, '127.0.0.1');
  return {
    engine,
    ...(metricsServer ? { metricsUrl: metricsServer.url } : {}),
    ...jobsLeftRunning(running, programs),
    async close() {
      await metricsServer?.server.close();
      await engine.queue.close();
      await engine.outbox.close();
      await engine.store.close();
    },
  };
}

export interface RunningBaton extends JobsLeftRunning {
  url: string;
  /** Where /metrics is served without a token, when a metrics port was given. */
  metricsUrl?: string;
  pipeline: Pipeline;
  engine: Engine;
  promotions: PromotionIntents;
  chat: ChatOut;
  /** Resolves when no job is queued or running and every chat message is out. */
  idle(): Promise<void>;
  close(): Promise<void>;
}

const RECONCILE_INTERVAL_MS = 60_000;
/** Where `retention:` writes evidence bundles when it names no folder: in the data folder, which the image keeps on its volume. */
const ARCHIVE_FOLDER = 'evidence-archive';

/** One bot at a time holds Discord's gateway: the holder of this lease. */
const DISCORD_GATEWAY_LEASE = 'discord-gateway';

function reconcileRegularly(runtime: CoreRuntime, intervalMs: number): () => void {
  const timer = setInterval(() => {
    reconcileEnvironments(runtime).catch((error: unknown) =>
      runtime.logger.warn({ err: error }, 'could not reconcile environments'),
    );
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}

export async function startBaton(options: BatonOptions): Promise<RunningBaton> {
  const tokens = apiTokensOf(options);
  // Routes are registered before the core starts and answer only after it has: by then the audit log is here.
  const started: { audit?: AuditLog; pipeline?: Pipeline; store?: Store } = {};
  const recordRefusal: RefusalRecorder = async (actor, summary) => {
    await started.audit?.record(BATON_STREAM, { type: 'access.refused', actor, summary });
  };
  if (options.slack && options.discord) {
    throw new BatonError(
      ErrorCode.ConfigInvalid,
      'Both Slack (SLACK_BOT_TOKEN) and Discord (DISCORD_TOKEN) are set: one Baton serves one chat platform. Unset one, or run a Baton for each.',
    );
  }
  const onChat = Boolean(options.slack || options.discord);
  // Before anything starts: an open console must never listen where others can reach it.
  if (!onChat) requireConsoleLogin(options.host, options.login);
  const allowedHosts = [
    ...(options.allowedHosts ?? []),
    ...(options.login?.publicUrl ? [options.login.publicUrl.hostname] : []),
  ];
  const server = createHttpServer({ host: options.host, port: options.port, logger: options.logger, allowedHosts });
  const consoleLogin =
    !onChat && options.login && loginConfigured(options.login)
      ? await createConsoleLogin(options.login, {
          server,
          dataDir: resolve(options.dataDir),
          shared: Boolean(options.redisUrl),
          clock: options.clock ?? systemClock,
          log: options.logger,
          recordRefusal,
        })
      : undefined;
  // Loaded only for their platform: Bolt and discord.js are dead weight behind the console.
  const chatPlatform = options.slack
    ? (await import('./chat/slack/slack-platform.ts')).createSlackPlatform(options.slack, server, options.logger)
    : options.discord
      ? (await import('./chat/discord/discord-platform.ts')).createDiscordPlatform(
          options.discord,
          server,
          options.logger,
          async (typed) => (started.pipeline ? completePromote(typed, started.pipeline) : []),
          {
            hold: async (holder, ttlMs) =>
              (await started.store?.holdLease(DISCORD_GATEWAY_LEASE, holder, ttlMs)) ?? false,
            release: async (holder) => started.store?.releaseLease(DISCORD_GATEWAY_LEASE, holder),
          },
        )
      : undefined;
  const { pipeline, engine, metrics, runtime, promotions, running, programs } = await startCore(
    options,
    chatPlatform?.userGroups,
  );
  started.audit = runtime.audit;
  started.pipeline = pipeline;
  started.store = engine.store;
  const platform: ChatPlatform =
    chatPlatform ??
    consolePlatform(options, pipeline, server, consoleLogin, {
      dashboard: new DashboardQueries(runtime),
      exampleCommand: await exampleCommand(pipeline),
    });
  const chat = countedChat(platform.out, options.slack ? 'slack' : options.discord ? 'discord' : 'console', metrics);
  const publisher = new ThreadPublisher(engine.store, chat, pipeline, options.logger, {
    pace: platform.pace,
    ...(options.outboxSweepMs ? { sweepEveryMs: options.outboxSweepMs } : {}),
  });
  const stopSweeping = publisher.consume(engine.outbox);
  const stopReconciling = reconcileRegularly(runtime, options.reconcileIntervalMs ?? RECONCILE_INTERVAL_MS);
  // Drift checks fall due on their own `every`; the reconcile pace is how often a bot looks whether one is due.
  const stopWatchingDrift = watchDrift(runtime, options.reconcileIntervalMs ?? RECONCILE_INTERVAL_MS);
  const stopRetention = watchRetention(
    runtime,
    join(resolve(options.dataDir), ARCHIVE_FOLDER),
    options.reconcileIntervalMs ?? RECONCILE_INTERVAL_MS,
  );
  // A person signed in to the console reads what its channels already show them; scripts need a token.
  const evidenceAccess = anyOf(
    requireScope(tokens, 'evidence:read'),
    ...(consoleLogin ? [consoleLogin.personAccess] : []),
  );
  registerPromotionRoutes(
    server,
    promotions,
    runtime.audit.keys,
    logRefusals(evidenceAccess, options.logger, recordRefusal),
  );
  registerReleaseRoutes(
    server,
    engine.store,
    pipeline,
    logRefusals(requireScope(tokens, 'releases:write'), options.logger, recordRefusal),
  );
  registerHealthRoutes(server, engine, publisher.problems);
  registerMetricsRoute(
    server,
    metrics,
    logRefusals(requireScope(tokens, 'metrics:read'), options.logger, recordRefusal),
  );
  // Figures, not records: a scraper's token or an auditor's may read them, and so may a person signed in to the console.
  const figuresAccess = anyOf(
    requireScope(tokens, 'metrics:read'),
    requireScope(tokens, 'evidence:read'),
    ...(consoleLogin ? [consoleLogin.personAccess] : []),
  );
  registerDoraRoute(server, promotions, logRefusals(figuresAccess, options.logger, recordRefusal));
  const metricsServer = await serveMetricsAlone({ ...options, allowedHosts }, metrics, options.host);
  await platform.receiver.start(
    createInteractionHandler({
      promotions,
      store: engine.store,
      pipeline,
      logger: options.logger,
      chatProblems: () => publisher.problems.list(),
    }),
  );
  const { url } = await server.listen();

  return {
    url,
    ...(metricsServer ? { metricsUrl: metricsServer.url } : {}),
    pipeline,
    engine,
    promotions,
    chat,
    async idle() {
      // A finished job can queue another and post more messages; settle until quiet.
      for (let round = 0; round < 100; round += 1) {
        await engine.queue.drained();
        await engine.outbox.drained();
        const busy = await engine.store.listPromotions({ states: ['planning', 'running', 'rolling_back'] });
        if (busy.length === 0) return;
        await new Promise((r) => setTimeout(r, 10));
      }
    },
    ...jobsLeftRunning(running, programs),
    async close() {
      await platform.receiver.stop();
      await server.close();
      await metricsServer?.server.close();
      await engine.queue.close();
      stopSweeping();
      stopReconciling();
      stopWatchingDrift();
      stopRetention();
      // The embedded outbox drops what is queued when closed: post the last steps' messages first.
      if (!engine.outbox.durable) await engine.outbox.drained();
      await engine.outbox.close();
      await platform.close?.();
      await engine.store.close();
    },
  };
}

/** Built once at start: the token file is read when Baton starts, not on each request. */
function apiTokensOf(options: BatonOptions): ApiTokenSet {
  const entries = options.apiTokens ?? [];
  if (!options.apiToken) return apiTokenSet(entries);
  options.logger.warn({ setting: 'BATON_API_TOKEN' }, LEGACY_TOKEN_WARNING);
  return apiTokenSet([...entries, legacyApiTokenEntry(options.apiToken, entries)]);
}

function consolePlatform(
  options: BatonOptions,
  pipeline: Pipeline,
  server: HttpServer,
  login: ConsoleLogin | undefined,
  page: { dashboard: DashboardQueries; exampleCommand: string },
): ChatPlatform {
  const consoleChat = new ConsoleChat({
    server,
    ...page,
    ...(login ? { signIn: login.signIn } : {}),
    defaultChannel: pipeline.environments[0]?.channel ?? '#baton',
    ...(options.clock ? { clock: options.clock } : {}),
    historyFile: join(resolve(options.dataDir), 'console.jsonl'),
  });
  return { out: consoleChat, receiver: consoleChat, pace: UNPACED, close: () => consoleChat.close() };
}
