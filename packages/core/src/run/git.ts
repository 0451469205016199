import { execFileSync } from 'node:child_process';

/** The git commit, branch and whether the tree is dirty, for the manifest; undefined outside a repository. */
export interface GitInfo {
  commit: string;
  branch?: string;
  dirty: boolean;
}

function git(args: string[], cwd: string): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 5000 }).trim();
}

/** Read git facts about a directory; undefined when it is not in a repository or git is missing. */
export function gitInfo(cwd: string): GitInfo | undefined {
  try {
    const commit = git(['rev-parse', 'HEAD'], cwd);
    let branch: string | undefined;
    try {
      branch = git(['rev-parse', '--abbrev-ref', 'HEAD'], cwd);
    } catch {
      branch = undefined;
    }
    const dirty = git(['status', '--porcelain', '--untracked-files=no'], cwd).length > 0;
    return { commit, branch, dirty };
  } catch {
    return undefined;
  }
}
