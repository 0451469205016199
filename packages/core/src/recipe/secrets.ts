/**
 * Values that must never reach logs, files, trackers or error messages: everything read through `${env:NAME}`
 * and anything a plugin registers (tokens, keys). `redact` replaces them with `***`.
 */
export class Secrets {
  private readonly values = new Set<string>();

  /** Remember a value as secret. Very short values are ignored: redacting "1" would garble every number. */
  add(value: string | undefined): void {
    if (value && value.length >= 4) this.values.add(value);
  }

  /** Replace every secret in a text with `***`. */
  redact(text: string): string {
    let out = text;
    // Longest first, so a secret that contains another is replaced whole.
    for (const value of [...this.values].sort((a, b) => b.length - a.length)) out = out.split(value).join('***');
    return out;
  }

  /** Whether a text contains any secret. */
  leaks(text: string): boolean {
    for (const value of this.values) if (text.includes(value)) return true;
    return false;
  }
}

/** The process-wide secrets of this prd invocation. */
export const secrets = new Secrets();
