/**
 * Discord's refusals: an HTTP status with a JSON `{ message, code }` body,
 * and for 50035 "Invalid Form Body" an `errors` tree that follows the path of
 * the bad field, list indexes as keys, ending in `_errors: [{ code, message }]`
 * (which @discordjs/rest flattens into "embeds[0].title: …"). Handlers throw
 * it; the server turns it into the answer.
 */

export interface FieldError {
  code: string;
  message: string;
}

export interface ErrorTree {
  _errors?: FieldError[];
  [key: string]: ErrorTree | FieldError[] | undefined;
}

export class DiscordApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    message: string,
    readonly errors?: ErrorTree,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'DiscordApiError';
  }

  body(): Record<string, unknown> {
    return { message: this.message, code: this.code, ...(this.errors ? { errors: this.errors } : {}) };
  }
}

export const unauthorized = (): DiscordApiError => new DiscordApiError(401, 0, '401: Unauthorized');
export const notFound = (): DiscordApiError => new DiscordApiError(404, 0, '404: Not Found');
export const methodNotAllowed = (): DiscordApiError => new DiscordApiError(405, 0, '405: Method Not Allowed');

/** The 404s Discord answers for an id it does not know, by JSON error code. */
export const UNKNOWN = {
  application: [10002, 'Unknown Application'],
  channel: [10003, 'Unknown Channel'],
  guild: [10004, 'Unknown Guild'],
  member: [10007, 'Unknown Member'],
  message: [10008, 'Unknown Message'],
  user: [10013, 'Unknown User'],
  webhook: [10015, 'Unknown Webhook'],
  interaction: [10062, 'Unknown interaction'],
} as const;

export function unknown(what: keyof typeof UNKNOWN): DiscordApiError {
  const [code, message] = UNKNOWN[what];
  return new DiscordApiError(404, code, message);
}

/** Collects field problems along their paths, then throws one 50035 with all of them. */
export class FormErrors {
  private readonly tree: ErrorTree = {};
  private count = 0;

  constructor(private readonly prefix: Array<string | number> = []) {}

  add(path: Array<string | number>, code: string, message: string): void {
    let node = this.tree;
    for (const key of [...this.prefix, ...path]) {
      const child = (node[String(key)] ??= {}) as ErrorTree;
      node = child;
    }
    (node._errors ??= []).push({ code, message });
    this.count += 1;
  }

  maxLength(path: Array<string | number>, max: number): void {
    this.add(path, 'BASE_TYPE_MAX_LENGTH', `Must be ${max} or fewer in length.`);
  }

  required(path: Array<string | number>): void {
    this.add(path, 'BASE_TYPE_REQUIRED', 'This field is required');
  }

  get empty(): boolean {
    return this.count === 0;
  }

  throwIfAny(): void {
    if (this.count > 0) throw new DiscordApiError(400, 50035, 'Invalid Form Body', this.tree);
  }
}
