/** Puts the console's login together from its settings: the session key, OIDC, the proxy, and the routes. */
import type { Clock } from '../../core/capabilities.ts';
import type { RefusalRecorder } from '../access-checks.ts';
import type { AccessCheck, HttpServer } from '../server.ts';
import { consolePageAccess, consolePersonAccess, LOGOUT_PATH, type ConsoleSignIn } from './console-access.ts';
import { registerLoginRoutes } from './login-routes.ts';
import { createOidcLogin, type ErrorLog } from './oidc.ts';
import { SessionCookies } from './session-cookie.ts';
import { loadSessionKey } from './session-key.ts';
import { oidcWarnings, type LoginSettings } from './settings.ts';

export interface ConsoleLogin {
  /** For the console itself. */
  signIn: ConsoleSignIn;
  /** "A person who may use the console", for other routes to accept beside their own checks. */
  personAccess: AccessCheck;
}

export interface ConsoleLoginOptions {
  server: Pick<HttpServer, 'route'>;
  dataDir: string;
  /** Several bots share the work (Redis): the session key must be given, not made here. */
  shared: boolean;
  clock: Clock;
  log: ErrorLog;
  /** Records refusals of people Baton knows by name: someone outside the allowed domains or groups, a request that names someone else. */
  recordRefusal?: RefusalRecorder;
}

export async function createConsoleLogin(settings: LoginSettings, options: ConsoleLoginOptions): Promise<ConsoleLogin> {
  const { oidc } = settings;
  for (const warning of oidc ? oidcWarnings(oidc) : []) options.log.warn({ issuer: oidc?.issuer.href }, warning);
  const sessions = oidc
    ? new SessionCookies({
        key: await loadSessionKey({
          ...(settings.sessionKey ? { key: settings.sessionKey } : {}),
          dataDir: options.dataDir,
          shared: options.shared,
        }),
        secure: oidc.publicUrl.protocol === 'https:',
        ttlMs: settings.sessionTtlMs,
        clock: options.clock,
      })
    : undefined;
  const personAccess = consolePersonAccess({
    ...(settings.trustedProxies ? { trustedProxies: settings.trustedProxies } : {}),
    ...(sessions ? { sessions } : {}),
  });
  registerLoginRoutes(options.server, {
    ...(oidc && sessions
      ? { oidc: { login: createOidcLogin(oidc, sessions, options.log), sessions, issuer: oidc.issuer } }
      : {}),
    log: options.log,
    ...(options.recordRefusal ? { recordRefusal: options.recordRefusal } : {}),
  });
  return {
    personAccess,
    signIn: {
      api: personAccess,
      page: consolePageAccess(personAccess),
      signOutPath: (via) => (via === 'session' ? LOGOUT_PATH : undefined),
      ...(options.recordRefusal ? { recordRefusal: options.recordRefusal } : {}),
    },
  };
}
