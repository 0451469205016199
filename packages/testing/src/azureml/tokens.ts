import { randomBytes } from 'node:crypto';

/** What the workspace knows of a bearer token it issued. */
export interface IssuedToken {
  serial: number;
  /** The job whose run token it is (valid for the MLflow endpoint only); none for a user's token. */
  job?: string;
  /** A user token made to expire by the test (`expireUserTokens`); run tokens live as long as their job. */
  expired: boolean;
}

/** The bearer tokens the test workspace hands out (fake `az`, managed identity, job run tokens) and accepts. */
export class TokenRegistry {
  private readonly tokens = new Map<string, { serial: number; job?: string }>();
  private expiredBefore = 0;
  /** Tokens issued so far, of every kind. */
  issued = 0;

  constructor(private readonly lifetimeSec: number) {}

  /** A new token: a user's, or the run token of `job`. */
  issue(job?: string): { token: string; expiresOn: number } {
    const token = `tok-${++this.issued}-${randomBytes(12).toString('hex')}`;
    this.tokens.set(token, { serial: this.issued, job });
    return { token, expiresOn: Math.floor(Date.now() / 1000) + this.lifetimeSec };
  }

  /** The token's record, or undefined for a token this workspace never issued. */
  lookup(token: string | undefined): IssuedToken | undefined {
    const found = token ? this.tokens.get(token) : undefined;
    return found && { ...found, expired: !found.job && found.serial <= this.expiredBefore };
  }

  /** Every user token issued so far expires. */
  expireUserTokens(): void {
    this.expiredBefore = this.issued;
  }
}
