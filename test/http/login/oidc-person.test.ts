/** Who an identity provider's claims name, and who Baton lets in. */
import { describe, expect, it } from 'vitest';
import { decidePerson } from '../../../src/http/login/oidc-person.ts';

const anyone = { allowedDomains: [], allowedGroups: [], groupsClaim: 'groups' };

describe('decidePerson', () => {
  it('names the person by preferred_username, else by their verified email', () => {
    expect(decidePerson({ preferred_username: 'alice', email: 'a@example.com' }, anyone)).toEqual({ ok: true, name: 'alice', email: 'a@example.com' });
    expect(decidePerson({ email: 'a@example.com', email_verified: true }, anyone)).toEqual({ ok: true, name: 'a@example.com', email: 'a@example.com' });
    expect(decidePerson({ email: 'a@example.com', email_verified: false }, anyone)).toMatchObject({ ok: false, reason: expect.stringContaining('neither a "preferred_username" claim nor a verified email') });
  });

  it('uses only the configured claim when one is set, and says so when it is missing', () => {
    const rules = { ...anyone, usernameClaim: 'upn' };
    expect(decidePerson({ upn: 'alice@corp', preferred_username: 'x' }, rules)).toMatchObject({ ok: true, name: 'alice@corp' });
    expect(decidePerson({ preferred_username: 'x' }, rules)).toMatchObject({ ok: false, reason: expect.stringContaining('did not send the "upn" claim that BATON_OIDC_USERNAME_CLAIM names') });
  });

  it('refuses an email outside the allowed domains, or one the provider has not verified', () => {
    const rules = { ...anyone, allowedDomains: ['example.com'] };
    expect(decidePerson({ preferred_username: 'alice', email: 'alice@Example.com' }, rules)).toMatchObject({ ok: true });
    expect(decidePerson({ preferred_username: 'mallory', email: 'mallory@example.com.evil.org' }, rules)).toEqual({
      ok: false,
      name: 'mallory',
      reason: 'Baton lets in only people with an email address at example.com, and yours is mallory@example.com.evil.org.',
    });
    expect(decidePerson({ preferred_username: 'eve', email: 'eve@example.com', email_verified: false }, rules)).toMatchObject({ ok: false, reason: expect.stringContaining('the provider has not verified yours') });
    expect(decidePerson({ preferred_username: 'eve' }, rules)).toMatchObject({ ok: false, reason: expect.stringContaining('the provider sent none') });
  });

  it('refuses a person in none of the allowed groups, naming theirs', () => {
    const rules = { ...anyone, allowedGroups: ['deployers', 'sre'], groupsClaim: 'roles' };
    expect(decidePerson({ preferred_username: 'bob', roles: ['dev', 'sre'] }, rules)).toMatchObject({ ok: true, name: 'bob' });
    expect(decidePerson({ preferred_username: 'bob', roles: 'sre' }, rules)).toMatchObject({ ok: true });
    expect(decidePerson({ preferred_username: 'carol', roles: ['dev'] }, rules)).toEqual({
      ok: false,
      name: 'carol',
      reason: 'Baton lets in only members of deployers, sre, and yours are dev.',
    });
    expect(decidePerson({ preferred_username: 'carol', groups: ['sre'] }, rules)).toMatchObject({ ok: false, reason: expect.stringContaining('sent no "roles" claim') });
  });

  it('needs both the domain and the group when both are configured', () => {
    const rules = { ...anyone, allowedDomains: ['example.com'], allowedGroups: ['deployers'] };
    expect(decidePerson({ preferred_username: 'a', email: 'a@example.com', groups: ['deployers'] }, rules)).toMatchObject({ ok: true });
    expect(decidePerson({ preferred_username: 'a', email: 'a@example.com', groups: [] }, rules)).toMatchObject({ ok: false });
    expect(decidePerson({ preferred_username: 'a', email: 'a@other.com', groups: ['deployers'] }, rules)).toMatchObject({ ok: false });
  });
});
