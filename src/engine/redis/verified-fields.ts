/** The fields of the verified-versions hash: one per environment, component and version. */
const FIELD_SEPARATOR = '\u0000';

export function verifiedField(environment: string, component: string, version: string): string {
  return [environment, component, version].join(FIELD_SEPARATOR);
}
