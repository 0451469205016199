/** Where in a user's input a problem is: a recipe location, a `--set` flag, or a data file cell. */
export interface Issue {
  /** What is wrong and what to change. */
  message: string;
  /** JSON pointer into the recipe (`/train/epochs`), when the problem is in a recipe. */
  pointer?: string;
  /** File the problem is in (recipe or data file). */
  file?: string;
  /** 1-based line in `file`. */
  line?: number;
  /** 1-based column in `file`. */
  column?: number;
  /** 1-based data row (not counting the header), for bad data. */
  row?: number;
  /** Data column name, for bad data. */
  dataColumn?: string;
  /** Where the value came from when not a file (for example `--set train.epochs=3`). */
  origin?: string;
  /** The closest valid word, when the problem looks like a typo. */
  suggestion?: string;
}

/**
 * An error the user can fix. The CLI prints its issues without a stack trace and exits with code 2.
 * Anything else that escapes is a bug in prd.
 */
export class PrdError extends Error {
  readonly issues: Issue[];
  readonly exitCode: number;

  constructor(message: string, issues: Issue[] = [], options: { exitCode?: number; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'PrdError';
    this.issues = issues;
    this.exitCode = options.exitCode ?? 2;
  }

  /** One issue, as its own error. */
  static of(issue: Issue, summary?: string): PrdError {
    return new PrdError(summary ?? issue.message, [issue]);
  }
}

/** True for errors a user caused and can fix. */
export function isPrdError(error: unknown): error is PrdError {
  return error instanceof PrdError || (error instanceof Error && error.name === 'PrdError' && 'issues' in error);
}

/** Where an issue is, as `file:line:column` or `file, row R, column "c"`, for messages. */
export function issueLocation(issue: Issue): string {
  const parts: string[] = [];
  if (issue.file) {
    let where = issue.file;
    if (issue.line !== undefined) where += `:${issue.line}`;
    if (issue.line !== undefined && issue.column !== undefined) where += `:${issue.column}`;
    parts.push(where);
  }
  if (issue.row !== undefined) parts.push(`row ${issue.row}`);
  if (issue.dataColumn !== undefined) parts.push(`column "${issue.dataColumn}"`);
  if (issue.origin) parts.push(issue.origin);
  return parts.join(', ');
}

/** Render an issue as one line: `file:line: /pointer: message (did you mean ...?)`. */
export function formatIssue(issue: Issue): string {
  const where = issueLocation(issue);
  const pointer = issue.pointer !== undefined ? `${issue.pointer || '/'}: ` : '';
  const hint = issue.suggestion && !issue.message.includes('did you mean') ? `; did you mean "${issue.suggestion}"?` : '';
  return `${where ? `${where}: ` : ''}${pointer}${issue.message}${hint}`;
}

/** Render a PrdError for a terminal: the summary, then one line per issue. */
export function formatPrdError(error: PrdError): string {
  if (error.issues.length === 0) return `error: ${error.message}`;
  if (error.issues.length === 1 && error.issues[0].message === error.message) {
    return `error: ${formatIssue(error.issues[0])}`;
  }
  const lines = [`error: ${error.message}`];
  for (const issue of error.issues) lines.push(`  - ${formatIssue(issue)}`);
  return lines.join('\n');
}
