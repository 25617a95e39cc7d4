/**
 * The `baton` command line: start the bot, validate a config, show the plan
 * of a promotion without making it, check and compact the records, or make
 * an API token.
 */
import { auditKeysFrom } from './audit-keys.ts';
import type { AuditKeys } from './core/audit.ts';
import { Command, InvalidArgumentError } from 'commander';
import { createAdapterLookup } from '../adapters/registry.ts';
import { startBaton, startWorker } from './app.ts';
import { SLACK_EVENTS_PATH, slackSettingsFrom } from './chat/slack/settings.ts';
import { DISCORD_INTERACTIONS_PATH, discordSettingsFrom } from './chat/discord/settings.ts';
import { defaultConfigPath } from './config-path.ts';
import { checkDataFolder } from './data-folder/check.ts';
import { compactDataFolder } from './data-folder/compact.ts';
import { archiveFromCommandLine } from './cli-archive.ts';
import { migrateStoreFromCommandLine } from './cli-migrate-store.ts';
import { planFromCommandLine } from './cli-plan.ts';
import { createTokenFromCommandLine } from './cli-token.ts';
import { apiTokensFrom } from './http/api-token-settings.ts';
import { loginConfigured, loginSettingsFrom } from './http/login/settings.ts';
import { verifyEvidence } from './verify-evidence.ts';
import { batonVersion } from './version.ts';
import { plural } from './chat/render/labels.ts';
import { createLogger } from './logger.ts';
import { loadPipeline } from './config-loader/load.ts';
import { DEFAULT_SHUTDOWN_GRACE_MS, leftBehindBy, stopOnSignal, type Stoppable } from './shutdown.ts';
import { BatonError, ConfigError, ErrorCode, errorMessage, formatConfigIssue } from './errors.ts';

function portNumber(text: string): number {
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new InvalidArgumentError('expected a port number from 0 to 65535.');
  return port;
}

function wholeNumber(text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0) throw new InvalidArgumentError('expected a whole number (0 or more).');
  return value;
}

function millisecondsFromEnv(name: string): number | undefined {
  const text = process.env[name];
  if (text === undefined || text === '') return undefined;
  const value = Number(text);
  if (!Number.isInteger(value) || value <= 0)
    throw new BatonError(ErrorCode.ConfigInvalid, `${name} must be a whole number of milliseconds, not "${text}".`);
  return value;
}

/** Engine settings from the environment, shared by `start` and `worker`. */
function engineSettings(): {
  redisUrl?: string;
  databaseUrl?: string;
  redisLockMs?: number;
  redisStalledCheckMs?: number;
  auditKeys: AuditKeys;
} {
  const redisUrl = process.env.REDIS_URL || undefined;
  const databaseUrl = process.env.DATABASE_URL || undefined;
  const redisLockMs = millisecondsFromEnv('BATON_REDIS_LOCK_MS');
  const redisStalledCheckMs = millisecondsFromEnv('BATON_REDIS_STALLED_CHECK_MS');
  return {
    ...(redisUrl ? { redisUrl } : {}),
    ...(databaseUrl ? { databaseUrl } : {}),
    ...(redisLockMs ? { redisLockMs } : {}),
    ...(redisStalledCheckMs ? { redisStalledCheckMs } : {}),
    auditKeys: auditKeysFrom(process.env),
  };
}

/** SIGTERM/SIGINT: take no new steps, give running ones BATON_SHUTDOWN_GRACE_MS, then exit. */
function stopGracefully(running: Stoppable, queue: { durable: boolean }, graceMs: number): void {
  stopOnSignal(running, {
    graceMs,
    leftBehind: leftBehindBy(queue),
    write: (line) => process.stdout.write(`${line}\n`),
    exit: (code) => process.exit(code),
  });
}

function metricsPortDefault(): number | undefined {
  const text = process.env.BATON_METRICS_PORT;
  return text ? portNumber(text) : undefined;
}

function metricsListener(options: { metricsPort?: number; metricsHost?: string }): {
  metricsPort?: number;
  metricsHost?: string;
} {
  return {
    ...(options.metricsPort === undefined ? {} : { metricsPort: options.metricsPort }),
    ...(options.metricsHost ? { metricsHost: options.metricsHost } : {}),
  };
}

function metricsNote(url: string | undefined): string {
  return url ? ` Metrics at ${url}/metrics.` : '';
}

function dataDirDefault(): string {
  return process.env.BATON_DATA_DIR ?? '.baton';
}

const program = new Command()
  .name('baton')
  .description('Promote one release across Kubernetes and everything around it, from chat.')
  .version(batonVersion(), '-V, --version', 'print the version of Baton')
  .showHelpAfterError();

program
  .command('start')
  .description('run the bot: the local console, the planner and the workers')
  .option('-c, --config <file>', 'pipeline config (default: config/baton.yaml, else the bundled example)')
  .option('--host <host>', 'address to listen on', process.env.BATON_HOST ?? '127.0.0.1')
  .option('-p, --port <port>', 'port for the console and API', portNumber, portNumber(process.env.PORT ?? '3000'))
  .option('--data-dir <dir>', 'where records are kept (BATON_DATA_DIR)', dataDirDefault())
  .option('--workers <count>', 'steps this process runs at once; 0 leaves steps to `baton worker`', wholeNumber, 4)
  .option(
    '--metrics-port <port>',
    'also serve /metrics without a token on this port (BATON_METRICS_PORT)',
    portNumber,
    metricsPortDefault(),
  )
  .option(
    '--metrics-host <host>',
    'address of the /metrics listener (BATON_METRICS_HOST; default: --host)',
    process.env.BATON_METRICS_HOST,
  )
  .action(
    async (options: {
      config?: string;
      host: string;
      port: number;
      dataDir: string;
      workers: number;
      metricsPort?: number;
      metricsHost?: string;
    }) => {
      const configPath = defaultConfigPath(options.config);
      const engine = engineSettings();
      const graceMs = millisecondsFromEnv('BATON_SHUTDOWN_GRACE_MS') ?? DEFAULT_SHUTDOWN_GRACE_MS;
      const slack = slackSettingsFrom(process.env);
      const discordSettings = discordSettingsFrom(process.env);
      const gatewayLeaseMs = millisecondsFromEnv('BATON_DISCORD_LEASE_MS');
      const discord = discordSettings && gatewayLeaseMs ? { ...discordSettings, gatewayLeaseMs } : discordSettings;
      const login = loginSettingsFrom(process.env);
      const apiTokens = apiTokensFrom(process.env);
      const baton = await startBaton({
        configPath,
        dataDir: options.dataDir,
        host: options.host,
        port: options.port,
        logger: createLogger(),
        concurrency: options.workers,
        ...engine,
        ...metricsListener(options),
        apiTokens,
        ...(process.env.BATON_API_TOKEN ? { apiToken: process.env.BATON_API_TOKEN } : {}),
        ...(process.env.BATON_ALLOWED_HOSTS ? { allowedHosts: process.env.BATON_ALLOWED_HOSTS.split(',') } : {}),
        ...(slack ? { slack } : {}),
        ...(discord ? { discord } : {}),
        login,
      });
      const engineName = engine.databaseUrl
        ? `${engine.redisUrl ? 'queues on Redis' : 'queues in this process'}, records in PostgreSQL`
        : engine.redisUrl
          ? 'redis engine'
          : `memory engine, records in ${options.dataDir}`;
      const where = slack
        ? slack.connection.mode === 'http'
          ? `on Slack, requests at ${baton.url}${SLACK_EVENTS_PATH}`
          : 'on Slack (Socket Mode)'
        : discord
          ? discord.connection.mode === 'http'
            ? `on Discord, interactions at ${baton.url}${DISCORD_INTERACTIONS_PATH}`
            : 'on Discord (gateway)'
          : `open ${login.publicUrl?.href ?? baton.url}${loginConfigured(login) ? ' (sign-in required)' : ''}`;
      process.stdout.write(
        `Baton is running: ${where} (${engineName}, pipeline ${configPath}).${metricsNote(baton.metricsUrl)}\nPress Ctrl+C to stop.\n`,
      );
      stopGracefully(baton, baton.engine.queue, graceMs);
    },
  );

program
  .command('discord')
  .description('set Baton up in Discord')
  .command('register')
  .description('register /promote with Discord (DISCORD_TOKEN, DISCORD_API_URL); again after an upgrade')
  .option(
    '--guild <id>',
    'only on this server, usable at once (default: every server the bot is in, which Discord may take an hour to show)',
  )
  .action(async (options: { guild?: string }) => {
    const settings = discordSettingsFrom(process.env);
    if (!settings)
      throw new BatonError(
        ErrorCode.ConfigInvalid,
        'Set DISCORD_TOKEN to the bot token (developer portal → your application → Bot) to register /promote.',
      );
    // discord.js is loaded for Discord only.
    const { registerDiscordCommands } = await import('./chat/discord/register.ts');
    process.stdout.write(`${await registerDiscordCommands(settings, options.guild ?? settings.guildId)}\n`);
  });

program
  .command('worker')
  .description('run steps only (no chat, no HTTP), sharing the Redis given by REDIS_URL with the bots')
  .option('-c, --config <file>', 'pipeline config')
  .option('--data-dir <dir>', 'where adapters keep working copies (BATON_DATA_DIR)', dataDirDefault())
  .option('--workers <count>', 'steps run at once', wholeNumber, 4)
  .option(
    '--metrics-port <port>',
    'serve /metrics without a token on this port (BATON_METRICS_PORT)',
    portNumber,
    metricsPortDefault(),
  )
  .option(
    '--metrics-host <host>',
    'address of the /metrics listener (BATON_METRICS_HOST)',
    process.env.BATON_METRICS_HOST ?? '127.0.0.1',
  )
  .action(
    async (options: {
      config?: string;
      dataDir: string;
      workers: number;
      metricsPort?: number;
      metricsHost?: string;
    }) => {
      const engine = engineSettings();
      const graceMs = millisecondsFromEnv('BATON_SHUTDOWN_GRACE_MS') ?? DEFAULT_SHUTDOWN_GRACE_MS;
      if (!engine.redisUrl) {
        throw new BatonError(
          ErrorCode.EngineUnavailable,
          'baton worker needs REDIS_URL: workers share the queue with the bots through Redis (records may be in PostgreSQL, through DATABASE_URL, but the queue is not). Without Redis, `baton start` runs the steps itself.',
        );
      }
      const configPath = defaultConfigPath(options.config);
      const worker = await startWorker({
        configPath,
        dataDir: options.dataDir,
        logger: createLogger(),
        ...engine,
        ...metricsListener(options),
        concurrency: Math.max(1, options.workers),
      });
      process.stdout.write(
        `Baton worker is running (${options.workers} at once, pipeline ${configPath}).${metricsNote(worker.metricsUrl)}\n`,
      );
      stopGracefully(worker, worker.engine.queue, graceMs);
    },
  );

program
  .command('validate')
  .description('check a pipeline config and report every problem with file:line:col')
  .option('-c, --config <file>', 'pipeline config')
  .action(async (options: { config?: string }) => {
    const configPath = defaultConfigPath(options.config);
    const pipeline = await loadPipeline(configPath, { adapters: createAdapterLookup() });
    const kinds = [...new Set(pipeline.components.map((c) => c.adapter))].sort();
    process.stdout.write(
      `${configPath}: valid — ${plural(pipeline.environments.length, 'environment')} (${pipeline.environments.map((e) => e.name).join(' → ')}), ${plural(pipeline.components.length, 'component')} (${kinds.join(', ')}).\n`,
    );
  });

program
  .command('plan')
  .description('show the plan of a promotion without making it (exit 3 when policy would refuse it)')
  .argument('<release...>', 'a release name, component=version pairs, or an environment to copy')
  .requiredOption('--to <env>', 'the environment to promote into')
  .option('-c, --config <file>', 'pipeline config')
  .option('--data-dir <dir>', 'where records are kept (BATON_DATA_DIR)', dataDirDefault())
  .option('--as <user>', 'check policy as this user', process.env.USER ?? 'cli')
  .option('--json', 'print machine-readable JSON')
  .action(
    async (
      release: string[],
      options: { to: string; config?: string; dataDir: string; as: string; json?: boolean },
    ) => {
      const output = await planFromCommandLine({
        releaseWords: release,
        environment: options.to,
        configPath: defaultConfigPath(options.config),
        dataDir: options.dataDir,
        user: options.as,
        json: options.json === true,
      });
      process.stdout.write(output.text);
      process.exitCode = output.allowed ? 0 : 3;
    },
  );

program
  .command('check')
  .description(
    "check the embedded engine's records offline: every journal line, every audit chain (exit 1 when something is wrong)",
  )
  .option('--data-dir <dir>', 'where records are kept (BATON_DATA_DIR)', dataDirDefault())
  .action((options: { dataDir: string }) => {
    const { problems, summary } = checkDataFolder(options.dataDir, auditKeysFrom(process.env).chain);
    process.stdout.write(`${problems.length > 0 ? problems.join('\n') : summary}\n`);
    process.exitCode = problems.length > 0 ? 1 : 0;
  });

program
  .command('compact')
  .description(
    "rewrite the embedded engine's journal to its live state, keeping every audit record (stop the bot first)",
  )
  .option('--data-dir <dir>', 'where records are kept (BATON_DATA_DIR)', dataDirDefault())
  .action(async (options: { dataDir: string }) => {
    process.stdout.write(
      await compactDataFolder(options.dataDir, {
        ...(process.env.BATON_ENCRYPTION_KEY ? { key: process.env.BATON_ENCRYPTION_KEY } : {}),
        ...(process.env.BATON_ENCRYPTION_KEY_PREVIOUS
          ? { previousKey: process.env.BATON_ENCRYPTION_KEY_PREVIOUS }
          : {}),
      }),
    );
  });

program
  .command('migrate-store')
  .description(
    'copy the records of a data folder or a Redis into PostgreSQL (DATABASE_URL), verifying every chain; safe to run again (stop the bots first)',
  )
  .requiredOption('--from <engine>', 'embedded (the data folder) or redis (REDIS_URL)')
  .requiredOption('--to <engine>', 'postgres (DATABASE_URL)')
  .option('--data-dir <dir>', "the embedded engine's records (BATON_DATA_DIR)", dataDirDefault())
  .action(async (options: { from: string; to: string; dataDir: string }) => {
    process.stdout.write(`${await migrateStoreFromCommandLine(options, process.env, createLogger())}\n`);
  });

program
  .command('archive')
  .description(
    'archive promotions that finished before a date as signed evidence bundles in a folder, leaving in the store where each went (what retention: does on a schedule)',
  )
  .requiredOption('--before <when>', 'a date (2025-11-01) or how long ago (400d)')
  .requiredOption('--out <folder>', 'where the evidence bundles are written')
  .option(
    '--data-dir <dir>',
    "the embedded engine's records (BATON_DATA_DIR); REDIS_URL and DATABASE_URL choose the engine as for `baton start`",
    dataDirDefault(),
  )
  .option('--as <user>', "who archives, as Baton's own audit stream records it", process.env.USER ?? 'cli')
  .action(async (options: { before: string; out: string; dataDir: string; as: string }) => {
    process.stdout.write(
      `${await archiveFromCommandLine({ ...options, actor: options.as }, process.env, createLogger('warn'))}\n`,
    );
  });

program
  .command('verify')
  .description(
    'check an evidence bundle offline: its Ed25519 signature, its hash chain and its anchor (exit 1 when something does not hold)',
  )
  .argument('<bundle>', 'an evidence bundle saved from /api/promotions/evidence')
  .option(
    '--public-key <file>',
    "the bot's public key (PEM, from /api/audit/public-key) the signature must be made with",
  )
  .action((bundlePath: string, options: { publicKey?: string }) => {
    const { chain } = auditKeysFrom(process.env);
    const { lines, holds } = verifyEvidence({
      bundlePath,
      ...(options.publicKey ? { publicKeyPath: options.publicKey } : {}),
      ...(chain ? { chainKey: chain } : {}),
    });
    process.stdout.write(`${lines.join('\n')}\n`);
    process.exitCode = holds ? 0 : 1;
  });

const token = program.command('token').description('API tokens for scripts and CI');

token
  .command('create')
  .description(
    'make a new API token: prints the token once, and the entry to add to the token file (BATON_API_TOKENS_FILE)',
  )
  .argument('<name>', 'what the token is for, as logs and refusals name it, e.g. ci')
  .requiredOption('--scope <scope...>', 'what it may do: evidence:read, releases:write, metrics:read')
  .action((name: string, options: { scope: string[] }) => {
    process.stdout.write(createTokenFromCommandLine(name, options.scope).text);
  });

program.parseAsync().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    process.stderr.write(`${error.issues.map(formatConfigIssue).join('\n')}\n`);
  } else if (error instanceof BatonError) {
    process.stderr.write(`${error.message}\n`);
  } else {
    process.stderr.write(`baton: ${errorMessage(error)}\n`);
  }
  process.exit(1);
});
