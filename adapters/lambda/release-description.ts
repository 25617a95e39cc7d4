/**
 * Baton records which release a published Lambda version holds in the
 * version's Description, `baton <step id> <release version>`: a published
 * version is immutable, so what its description says stays true, and anyone
 * reading the function in the AWS console sees where the version came from.
 */

/** Lambda's limit on a version's Description. */
const DESCRIPTION_LIMIT = 256;
const RELEASE_DESCRIPTION = /^baton (\S+) (\S+)$/;

export interface ReleaseDescription {
  stepId: string;
  version: string;
}

/** The description for the version this step publishes, or undefined when Lambda would refuse it. */
export function releaseDescription(stepId: string, version: string): string | undefined {
  const description = `baton ${stepId} ${version}`;
  const fits = description.length <= DESCRIPTION_LIMIT && RELEASE_DESCRIPTION.test(description);
  return fits ? description : undefined;
}

/** Null for versions Baton did not publish (by hand, another tool, `$LATEST`). */
export function parseReleaseDescription(description: string | undefined): ReleaseDescription | null {
  const match = RELEASE_DESCRIPTION.exec(description ?? '');
  if (match?.[1] === undefined || match[2] === undefined) return null;
  return { stepId: match[1], version: match[2] };
}
