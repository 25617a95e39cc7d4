/**
 * The API server's `Status` error bodies (meta/v1 Status), with the reasons
 * and messages the real kube-apiserver sends, so clients parse them as they
 * would in production.
 */

export interface StatusBody {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Failure';
  message: string;
  reason: string;
  code: number;
  details?: { name?: string; group?: string; kind?: string };
}

export interface ResourceName {
  group: string;
  plural: string;
  name: string;
}

function status(code: number, reason: string, message: string, details?: StatusBody['details']): StatusBody {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason,
    code,
    ...(details ? { details } : {}),
  };
}

/** `deployments.apps`, or just `applications` for the core group. */
function qualified({ group, plural }: ResourceName): string {
  return group === '' ? plural : `${plural}.${group}`;
}

export const statuses = {
  unauthorized: () => status(401, 'Unauthorized', 'Unauthorized'),
  forbidden: (resource: ResourceName, verb: string, namespace: string, user: string) =>
    status(
      403,
      'Forbidden',
      `${qualified(resource)} "${resource.name}" is forbidden: User "${user}" cannot ${verb} resource "${resource.plural}" in API group "${resource.group}" in the namespace "${namespace}"`,
      { name: resource.name, group: resource.group, kind: resource.plural },
    ),
  notFound: (resource: ResourceName) =>
    status(404, 'NotFound', `${qualified(resource)} "${resource.name}" not found`, {
      name: resource.name,
      group: resource.group,
      kind: resource.plural,
    }),
  unknownPath: () => status(404, 'NotFound', 'the server could not find the requested resource'),
  conflict: (resource: ResourceName) =>
    status(
      409,
      'Conflict',
      `Operation cannot be fulfilled on ${qualified(resource)} "${resource.name}": the object has been modified; please apply your changes to the latest version and try again`,
      { name: resource.name, group: resource.group, kind: resource.plural },
    ),
  expired: (requested: number, oldest: number) =>
    status(410, 'Expired', `too old resource version: ${requested} (${oldest})`),
  unsupportedMediaType: (contentType: string) =>
    status(
      415,
      'UnsupportedMediaType',
      `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json (got ${contentType || 'none'})`,
    ),
  invalid: (resource: ResourceName, message: string) =>
    status(422, 'Invalid', `${qualified(resource)} "${resource.name}" is invalid: ${message}`),
  badRequest: (message: string) => status(400, 'BadRequest', message),
  methodNotAllowed: () =>
    status(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource'),
  internalError: (message: string) => status(500, 'InternalError', `Internal error occurred: ${message}`),
};
