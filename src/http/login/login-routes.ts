/** The sign-in routes: /login, its OIDC callback, and /logout. */
import type { RefusalRecorder } from '../access-checks.ts';
import type { HttpServer } from '../server.ts';
import { LOGIN_PATH, LOGOUT_PATH } from './console-access.ts';
import { loginPage, redirect } from './login-pages.ts';
import { CALLBACK_PATH, type ErrorLog, type OidcLogin } from './oidc.ts';
import type { SessionCookies } from './session-cookie.ts';

export interface LoginRoutesOptions {
  /** Absent when only a proxy signs people in. */
  oidc?: { login: OidcLogin; sessions: SessionCookies; issuer: URL };
  log: ErrorLog;
  recordRefusal?: RefusalRecorder;
}

const signInAgain = { href: LOGIN_PATH, label: 'Sign in again' };

export function registerLoginRoutes(server: Pick<HttpServer, 'route'>, options: LoginRoutesOptions): void {
  const { oidc, log } = options;
  if (!oidc) {
    server.route('GET', LOGIN_PATH, () =>
      loginPage(401, 'Sign in through the proxy', [
        'This Baton takes who you are from the proxy in front of it, and this request did not come through it, or the proxy did not sign you in.',
        "Open Baton at the proxy's address instead; it will ask you to sign in.",
      ]),
    );
    server.route('GET', LOGOUT_PATH, () =>
      loginPage(200, 'Sign out at the proxy', [
        'The proxy in front of Baton keeps your sign-in, not Baton. Sign out there (with oauth2-proxy: /oauth2/sign_out).',
      ]),
    );
    return;
  }

  server.route('GET', LOGIN_PATH, async () => {
    try {
      const { location, cookie } = await oidc.login.begin();
      return redirect(location, { 'set-cookie': cookie });
    } catch (error) {
      log.warn({ err: error, issuer: oidc.issuer.href }, 'could not start an OIDC sign-in');
      return loginPage(
        502,
        'The identity provider cannot be reached',
        [
          `Baton could not reach ${oidc.issuer.href} to start the sign-in: ${error instanceof Error ? error.message : String(error)}.`,
          'Try again in a moment; if it keeps failing, ask an administrator to check BATON_OIDC_ISSUER and the network between Baton and the provider.',
        ],
        [{ href: LOGIN_PATH, label: 'Try again' }],
      );
    }
  });

  server.route('GET', CALLBACK_PATH, async ({ query, headers }) => {
    const outcome = await oidc.login.finish(query, headers);
    if (!outcome.ok) {
      if (outcome.who !== undefined)
        await options.recordRefusal?.(outcome.who, `Console sign-in of ${outcome.who} refused: ${outcome.reason}`);
      return loginPage(
        outcome.status,
        outcome.title,
        [outcome.reason],
        [
          // A person refused may be signed in to the provider under another account; they can switch there.
          signInAgain,
        ],
      );
    }
    // The login in progress is spent: clear it beside setting the session.
    return redirect('/', { 'set-cookie': [oidc.sessions.issueSession(outcome.session), oidc.sessions.clearLogin()] });
  });

  server.route('GET', LOGOUT_PATH, () => {
    const page = loginPage(
      200,
      'Signed out',
      [
        `You are signed out of Baton. You may still be signed in at ${oidc.issuer.host}, so signing in again may not ask for your password.`,
      ],
      [signInAgain],
    );
    return { ...page, headers: { ...page.headers, 'set-cookie': oidc.sessions.clearSession() } };
  });
}
