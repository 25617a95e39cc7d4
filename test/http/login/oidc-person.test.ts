/** Who an identity provider's claims name, and who Baton lets in. */
import { describe, expect, it } from 'vitest';
import { decidePerson } from '../../../src/http/login/oidc-person.ts';

const anyone = { allowedDomains: [], allowedGroups: [], groupsClaim: 'groups' };

describe('decidePerson', () => {
  it('names the person by their verified email address, in lower case, never by preferred_username', () => {
    expect(
      decidePerson({ preferred_username: 'alice', email: 'Alice@Example.com', email_verified: true }, anyone),
    ).toEqual({
      ok: true,
      name: 'alice@example.com',
      email: 'Alice@Example.com',
    });
    // mallory renamed herself "alice" at the provider: she is still mallory@….
    expect(
      decidePerson({ preferred_username: 'alice', email: 'mallory@example.com', email_verified: true }, anyone),
    ).toMatchObject({ ok: true, name: 'mallory@example.com' });
    expect(decidePerson({ preferred_username: 'alice' }, anyone)).toEqual({
      ok: false,
      reason: expect.stringContaining('sent no email address'),
    });
  });

  it('takes the email as verified only when email_verified is true or "true"', () => {
    const claims = (emailVerified?: unknown) => ({
      email: 'a@example.com',
      ...(emailVerified === undefined ? {} : { email_verified: emailVerified }),
    });
    for (const verified of [true, 'true']) {
      expect(decidePerson(claims(verified), anyone), String(verified)).toMatchObject({
        ok: true,
        name: 'a@example.com',
      });
    }
    for (const unverified of [undefined, false, 'false', 1, 'yes']) {
      expect(decidePerson(claims(unverified), anyone), String(unverified)).toEqual({
        ok: false,
        reason: expect.stringContaining('has not verified your email address (a@example.com)'),
      });
    }
  });

  it('takes an email without email_verified as verified only when told to trust the provider, and never an explicit false', () => {
    const trusting = { ...anyone, trustUnverifiedEmail: true };
    expect(decidePerson({ email: 'a@example.com' }, trusting)).toMatchObject({ ok: true, name: 'a@example.com' });
    expect(decidePerson({ email: 'a@example.com', email_verified: false }, trusting)).toMatchObject({ ok: false });
    expect(decidePerson({ email: 'a@example.com', email_verified: 'false' }, trusting)).toMatchObject({ ok: false });
    const domains = { ...trusting, allowedDomains: ['example.com'], usernameClaim: 'sub' };
    expect(decidePerson({ sub: '1', email: 'a@example.com' }, domains)).toMatchObject({
      ok: true,
      name: '1',
      email: 'a@example.com',
    });
  });

  it('uses only the configured claim when one is set, and says so when it is missing', () => {
    const rules = { ...anyone, usernameClaim: 'upn' };
    expect(
      decidePerson({ upn: 'alice@corp', preferred_username: 'x', email: 'x@corp', email_verified: true }, rules),
    ).toMatchObject({ ok: true, name: 'alice@corp' });
    expect(decidePerson({ preferred_username: 'x' }, rules)).toMatchObject({
      ok: false,
      reason: expect.stringContaining('did not send the "upn" claim that BATON_OIDC_USERNAME_CLAIM names'),
    });
    expect(
      decidePerson({ preferred_username: 'alice' }, { ...anyone, usernameClaim: 'preferred_username' }),
    ).toMatchObject({ ok: true, name: 'alice' });
  });

  it('requires the email verified also when the claim is set to email explicitly', () => {
    const rules = { ...anyone, usernameClaim: 'email' };
    expect(decidePerson({ email: 'a@example.com' }, rules)).toMatchObject({
      ok: false,
      reason: expect.stringContaining('has not verified'),
    });
    expect(decidePerson({ email: 'a@example.com', email_verified: 'true' }, rules)).toMatchObject({
      ok: true,
      name: 'a@example.com',
    });
  });

  it('refuses an email outside the allowed domains, or one the provider has not verified', () => {
    const rules = { ...anyone, allowedDomains: ['example.com'], usernameClaim: 'preferred_username' };
    expect(
      decidePerson({ preferred_username: 'alice', email: 'alice@Example.com', email_verified: true }, rules),
    ).toMatchObject({ ok: true });
    expect(
      decidePerson(
        { preferred_username: 'mallory', email: 'mallory@example.com.evil.org', email_verified: true },
        rules,
      ),
    ).toEqual({
      ok: false,
      name: 'mallory',
      reason:
        'Baton lets in only people with an email address at example.com, and yours is mallory@example.com.evil.org.',
    });
    for (const unverified of [{}, { email_verified: false }, { email_verified: 'false' }]) {
      expect(decidePerson({ preferred_username: 'eve', email: 'eve@example.com', ...unverified }, rules)).toMatchObject(
        { ok: false, reason: expect.stringContaining('the provider has not verified yours') },
      );
    }
    expect(decidePerson({ preferred_username: 'eve' }, rules)).toMatchObject({
      ok: false,
      reason: expect.stringContaining('the provider sent none'),
    });
  });

  it('refuses a person in none of the allowed groups, naming theirs', () => {
    const rules = { ...anyone, allowedGroups: ['deployers', 'sre'], groupsClaim: 'roles', usernameClaim: 'sub' };
    expect(decidePerson({ sub: 'bob', roles: ['dev', 'sre'] }, rules)).toMatchObject({ ok: true, name: 'bob' });
    expect(decidePerson({ sub: 'bob', roles: 'sre' }, rules)).toMatchObject({ ok: true });
    expect(decidePerson({ sub: 'carol', roles: ['dev'] }, rules)).toEqual({
      ok: false,
      name: 'carol',
      reason: 'Baton lets in only members of deployers, sre, and yours are dev.',
    });
    expect(decidePerson({ sub: 'carol', groups: ['sre'] }, rules)).toMatchObject({
      ok: false,
      reason: expect.stringContaining('sent no "roles" claim'),
    });
  });

  it('needs both the domain and the group when both are configured', () => {
    const rules = { ...anyone, allowedDomains: ['example.com'], allowedGroups: ['deployers'] };
    const verified = { email_verified: true };
    expect(decidePerson({ email: 'a@example.com', groups: ['deployers'], ...verified }, rules)).toMatchObject({
      ok: true,
      name: 'a@example.com',
    });
    expect(decidePerson({ email: 'a@example.com', groups: [], ...verified }, rules)).toMatchObject({
      ok: false,
      name: 'a@example.com',
    });
    expect(decidePerson({ email: 'a@other.com', groups: ['deployers'], ...verified }, rules)).toMatchObject({
      ok: false,
    });
  });
});
