import type { Secrets } from './secrets.js';

/** The mask that stands for a secret in everything prd writes or prints. */
export const MASK = '***';

/** Query parameters whose values are credentials: SAS signatures, tokens, keys, passwords. */
const SECRET_PARAM = /([?&#;](?:[^=&#\s]*?(?:sig|token|key|code|secret|pass|auth|credential)[^=&#\s]*)=)([^&#\s]+)/gi;
/** `scheme://user:password@` — the password of a URL's userinfo. */
const USERINFO = /^([a-z][a-z0-9+.-]*:\/\/[^/@\s:]*:)([^/@\s]+)(@)/i;
/** `scheme://token@` — a userinfo without a password is a token (GitHub, SAS-style URLs). */
const USER_ONLY = /^([a-z][a-z0-9+.-]*:\/\/)([^/@\s:]+)(@)/i;

/** The credentials inside a text that holds a URL: its userinfo password (or lone user token) and secret query values. */
export function urlSecrets(text: string): string[] {
  const found: string[] = [];
  const userinfo = USERINFO.exec(text) ?? USER_ONLY.exec(text);
  if (userinfo) found.push(userinfo[2]);
  for (const match of text.matchAll(SECRET_PARAM)) found.push(match[2]);
  // `?auth=true` or `?key=1`: a flag or a number is no credential, and redacting it would garble every log line.
  return found.filter((value) => !/^(true|false|null|yes|no|on|off|-?\d+(\.\d+)?)$/i.test(value));
}

/** A text with the credentials of its URL replaced by `***`: `http://bob:***@host/?token=***`. */
export function maskUrl(text: string): string {
  return text.replace(USERINFO, `$1${MASK}$3`).replace(USER_ONLY, `$1${MASK}$3`).replace(SECRET_PARAM, `$1${MASK}`);
}

type SchemaNode = Record<string, unknown>;

/**
 * Pointers of the values in `value` whose schema carries `secret: true` (a plugin's option such as a password or a
 * token). Slots are unions discriminated on `use`: only the branch of the plugin in use is followed.
 */
export function secretPointers(schema: unknown, value: unknown, pointer = ''): string[] {
  if (schema === null || typeof schema !== 'object') return [];
  const node = schema as SchemaNode;
  if (node.secret === true && value !== undefined) return [pointer];
  const out: string[] = [];
  for (const key of ['oneOf', 'anyOf', 'allOf'] as const) {
    const branches = node[key];
    if (!Array.isArray(branches)) continue;
    for (const branch of branches as SchemaNode[]) {
      const use = (branch.properties as Record<string, SchemaNode> | undefined)?.use?.const;
      if (use !== undefined && (value === null || typeof value !== 'object' || (value as Record<string, unknown>).use !== use)) continue;
      out.push(...secretPointers(branch, value, pointer));
    }
  }
  if (Array.isArray(value)) {
    value.forEach((item, i) => out.push(...secretPointers(Array.isArray(node.items) ? node.items[i] : node.items, item, `${pointer}/${i}`)));
  } else if (value !== null && typeof value === 'object') {
    const properties = (node.properties ?? {}) as Record<string, unknown>;
    for (const [key, child] of Object.entries(value)) {
      const sub = key in properties ? properties[key] : node.additionalProperties;
      out.push(...secretPointers(sub, child, `${pointer}/${key.replaceAll('~', '~0').replaceAll('/', '~1')}`));
    }
  }
  return [...new Set(out)];
}

/**
 * Mask, in a recipe as it will be shown or written (`display`), every credential written literally: options marked
 * `secret: true` become `***` (a `${env:NAME}` placeholder stays as it is, since it holds no secret), and URLs lose
 * their password and secret query values. Every such value, as the run uses it (`used`), is registered with
 * `secrets`, so that logs, errors, trackers and other files written later mask it too.
 */
export function maskRecipe(display: Record<string, unknown>, used: Record<string, unknown>, schema: unknown, secrets: Secrets): Record<string, unknown> {
  const masked = structuredClone(display);
  for (const pointer of secretPointers(schema, used)) {
    const tokens = pointer.slice(1).split('/').map((t) => t.replaceAll('~1', '/').replaceAll('~0', '~'));
    let usedNode: unknown = used;
    let shownNode: unknown = masked;
    for (const token of tokens.slice(0, -1)) {
      usedNode = (usedNode as Record<string, unknown>)?.[token];
      shownNode = (shownNode as Record<string, unknown>)?.[token];
    }
    const last = tokens[tokens.length - 1];
    const secret = (usedNode as Record<string, unknown> | undefined)?.[last];
    if (typeof secret === 'string') secrets.add(secret);
    const shown = shownNode as Record<string, unknown> | undefined;
    if (shown && !(typeof shown[last] === 'string' && /^\$\{env:[^}]*\}$/.test(shown[last] as string))) shown[last] = MASK;
  }
  const visit = (node: unknown): unknown => {
    if (typeof node === 'string') {
      for (const secret of urlSecrets(node)) secrets.add(secret);
      return maskUrl(node);
    }
    if (Array.isArray(node)) return node.map(visit);
    if (node !== null && typeof node === 'object') return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, visit(v)]));
    return node;
  };
  // Register the URL credentials of the values the run uses (they may come from the environment), then mask the shown ones.
  visit(used);
  return visit(masked) as Record<string, unknown>;
}
