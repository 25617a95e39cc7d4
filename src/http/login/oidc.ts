/**
 * Sign-in with OpenID Connect: the authorization code flow with PKCE, by
 * openid-client. The state, nonce and PKCE verifier travel in a signed cookie
 * (see session-cookie.ts), so whichever bot gets the callback can finish.
 */
import type { IncomingHttpHeaders } from 'node:http';
import * as client from 'openid-client';
import type { ConsoleSession, SessionCookies } from './session-cookie.ts';
import { decidePerson, type Claims } from './oidc-person.ts';
import type { OidcSettings } from './settings.ts';
import { OIDC_VARIABLES } from './settings.ts';

export const CALLBACK_PATH = '/login/callback';

export type LoginOutcome =
  | { ok: true; session: ConsoleSession }
  /** `status` and what to tell the person: why it failed and what to do. */
  | { ok: false; status: number; title: string; reason: string; who?: string };

export interface OidcLogin {
  /** Where to send the browser, and the Set-Cookie that remembers this login until the callback. */
  begin(): Promise<{ location: string; cookie: string }>;
  /** Finishes the login the callback's query answers. */
  finish(query: URLSearchParams, headers: IncomingHttpHeaders): Promise<LoginOutcome>;
}

export interface ErrorLog {
  warn(details: object, message: string): void;
}

function errorText(error: unknown): string {
  if (error instanceof client.AuthorizationResponseError)
    return `${error.error}${error.error_description ? `: ${error.error_description}` : ''}`;
  return error instanceof Error ? error.message : String(error);
}

export function createOidcLogin(settings: OidcSettings, cookies: SessionCookies, log: ErrorLog): OidcLogin {
  const redirectUri = new URL(CALLBACK_PATH, settings.publicUrl).href;
  let discovered: Promise<client.Configuration> | undefined;

  /** Found once and kept; a provider that was down is asked again at the next sign-in. */
  function configuration(): Promise<client.Configuration> {
    discovered ??= client
      .discovery(settings.issuer, settings.clientId, undefined, client.ClientSecretBasic(settings.clientSecret), {
        // Only a provider on this machine may be plain http (settings.ts refuses any other).
        execute: settings.issuer.protocol === 'http:' ? [client.allowInsecureRequests] : [],
      })
      .catch((error: unknown) => {
        discovered = undefined;
        throw error;
      });
    return discovered;
  }

  return {
    async begin() {
      const config = await configuration();
      const login = {
        state: client.randomState(),
        nonce: client.randomNonce(),
        codeVerifier: client.randomPKCECodeVerifier(),
      };
      const location = client.buildAuthorizationUrl(config, {
        redirect_uri: redirectUri,
        scope: settings.scopes.join(' '),
        code_challenge: await client.calculatePKCECodeChallenge(login.codeVerifier),
        code_challenge_method: 'S256',
        state: login.state,
        nonce: login.nonce,
      });
      return { location: location.href, cookie: cookies.issueLogin(login) };
    },

    async finish(query, headers) {
      const login = cookies.readLogin(headers);
      if (!login?.ok) {
        return {
          ok: false,
          status: 400,
          title: 'This sign-in has expired',
          reason:
            'Baton could not match this answer from the identity provider to a sign-in it started in this browser (it is older than 10 minutes, or began in another browser). Sign in again.',
        };
      }
      const { state, nonce, codeVerifier } = login.payload;
      let claims: Claims;
      try {
        const config = await configuration();
        const tokens = await client.authorizationCodeGrant(
          config,
          new URL(`${CALLBACK_PATH}?${query.toString()}`, settings.publicUrl),
          {
            pkceCodeVerifier: codeVerifier,
            expectedState: state,
            expectedNonce: nonce,
            idTokenExpected: true,
          },
        );
        const idClaims: Claims = tokens.claims() ?? {};
        // Many providers put profile, email and groups in the userinfo answer only; the signed ID token wins where both speak.
        const userInfo = config.serverMetadata().userinfo_endpoint
          ? await client.fetchUserInfo(config, tokens.access_token, String(idClaims.sub))
          : {};
        claims = { ...userInfo, ...idClaims };
      } catch (error) {
        log.warn({ err: error, issuer: settings.issuer.href }, 'an OIDC sign-in failed');
        const refusedThere = error instanceof client.AuthorizationResponseError;
        return {
          ok: false,
          status: refusedThere ? 403 : 502,
          title: 'Sign-in failed',
          reason: refusedThere
            ? `The identity provider did not sign you in (${errorText(error)}).`
            : `Baton could not complete the sign-in with ${settings.issuer.href}: ${errorText(error)}. Try again; if it keeps failing, check ${OIDC_VARIABLES.issuer}, ${OIDC_VARIABLES.clientId} and ${OIDC_VARIABLES.clientSecret}, and that the provider lists ${redirectUri} as a redirect URI.`,
        };
      }
      const person = decidePerson(claims, settings);
      if (!person.ok) {
        return {
          ok: false,
          status: 403,
          title: person.name ? `${person.name} may not use this Baton` : 'Baton cannot tell who you are',
          reason: person.reason,
          ...(person.name ? { who: person.name } : {}),
        };
      }
      return { ok: true, session: { user: person.name, ...(person.email ? { email: person.email } : {}) } };
    },
  };
}
