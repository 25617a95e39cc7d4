/**
 * `${…}` placeholders in component settings: `${env}`, `${version}`,
 * `${component}`, `${promotion}`, `${release}`, `${secret:NAME}` and
 * `${other.outputs.name}`. `$${` writes a literal `${`.
 */

export const TEMPLATE_VARIABLES = ['env', 'version', 'component', 'promotion', 'release', 'previousVersion'] as const;
export type TemplateVariable = (typeof TEMPLATE_VARIABLES)[number];

export type Placeholder =
  | { kind: 'variable'; name: TemplateVariable; text: string }
  | { kind: 'secret'; name: string; text: string }
  | { kind: 'output'; component: string; output: string; text: string };

export interface PlaceholderProblem {
  /** Offset of the placeholder in the string. */
  offset: number;
  message: string;
}

const PLACEHOLDER = /\$?\$\{([^}]*)\}/g;
const SECRET = /^secret:([A-Za-z_][A-Za-z0-9_]*)$/;
const OUTPUT = /^([a-z0-9][a-z0-9-]*)\.outputs\.([A-Za-z_][A-Za-z0-9_-]*)$/;

function parseOne(inner: string): Placeholder | string {
  const body = inner.trim();
  if ((TEMPLATE_VARIABLES as readonly string[]).includes(body)) {
    return { kind: 'variable', name: body as TemplateVariable, text: `\${${inner}}` };
  }
  const secret = SECRET.exec(body);
  if (secret?.[1]) return { kind: 'secret', name: secret[1], text: `\${${inner}}` };
  const output = OUTPUT.exec(body);
  if (output?.[1] && output[2]) {
    return { kind: 'output', component: output[1], output: output[2], text: `\${${inner}}` };
  }
  if (body.startsWith('secret:')) {
    return `"\${${inner}}" is not a valid secret reference: write \${secret:NAME} with letters, digits and _`;
  }
  return `unknown placeholder "\${${inner}}": use one of ${TEMPLATE_VARIABLES.map((v) => `\${${v}}`).join(', ')}, \${secret:NAME} or \${component.outputs.name}`;
}

export function findPlaceholders(text: string): { placeholders: Placeholder[]; problems: PlaceholderProblem[] } {
  const placeholders: Placeholder[] = [];
  const problems: PlaceholderProblem[] = [];
  for (const match of text.matchAll(PLACEHOLDER)) {
    if (match[0].startsWith('$$')) continue;
    const parsed = parseOne(match[1] ?? '');
    if (typeof parsed === 'string') problems.push({ offset: match.index, message: parsed });
    else placeholders.push(parsed);
  }
  return { placeholders, problems };
}

/** Replaces placeholders in every string inside `value`, leaving its shape alone. */
export function resolveTemplates(value: unknown, resolve: (placeholder: Placeholder) => string): unknown {
  if (typeof value === 'string') {
    return value.replace(PLACEHOLDER, (whole: string, inner: string) => {
      if (whole.startsWith('$$')) return whole.slice(1);
      const parsed = parseOne(inner);
      return typeof parsed === 'string' ? whole : resolve(parsed);
    });
  }
  if (Array.isArray(value)) return value.map((item) => resolveTemplates(item, resolve));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveTemplates(v, resolve)]));
  }
  return value;
}

/** Every placeholder anywhere inside `value`. */
export function collectPlaceholders(value: unknown): Placeholder[] {
  if (typeof value === 'string') return findPlaceholders(value).placeholders;
  if (Array.isArray(value)) return value.flatMap(collectPlaceholders);
  if (value !== null && typeof value === 'object') return Object.values(value).flatMap(collectPlaceholders);
  return [];
}
