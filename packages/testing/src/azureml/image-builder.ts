import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { filesUnder } from './executor.js';

/** A built environment image as the control plane runs it: what goes first on a job's PATH, and where it lives. */
export interface BuiltImage {
  digest: string;
  dir: string;
  /** The image's PATH entries (its ENV PATH), on this machine. */
  path: string[];
  /** Seconds the build took (0 when it came from the cache). */
  seconds: number;
}

/** The digest of a build context: every file's name and bytes. */
export function contextDigest(dir: string): string {
  const h = createHash('sha256');
  for (const name of filesUnder(dir).sort()) h.update(`${name}\0`).update(readFileSync(join(dir, name))).update('\0');
  return h.digest('hex');
}

/** Run one shell command; rejects with its last output lines when it fails. */
function run(command: string, cwd: string, log: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    // A clean image's environment: no npm settings of the npm (npx, npm test) that started the tests.
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k))) as Record<string, string>;
    const child = spawn('bash', ['-c', command], { cwd, stdio: ['ignore', 'pipe', 'pipe'], env: { ...env, npm_config_update_notifier: 'false' } });
    const out: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => out.push(d));
    child.on('close', (code) => {
      const text = Buffer.concat(out).toString('utf8');
      log.push(text);
      if (code === 0) resolve();
      else reject(new Error(`image build: "${command}" exited with ${code}:\n${text.trim().split('\n').slice(-15).join('\n')}`));
    });
  });
}

/**
 * Build an environment's image from its Docker build context the way this machine can: the base image and the
 * Node install are this machine's (a `RUN` that installs Node must ask for this machine's major version), the image's
 * filesystem is this machine's plus every `COPY` destination, which lives under the image folder (later lines name
 * it by its image path and are rewritten to the folder), `RUN` runs for real (npm install from the registry) and
 * `ENV PATH` gives the job's PATH. Any other instruction fails the build: a Dockerfile the plane cannot honour must
 * not pass.
 */
async function buildImage(context: string, dir: string): Promise<string[]> {
  const lines = readFileSync(join(context, 'Dockerfile'), 'utf8').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  const mounts: Array<[string, string]> = [];
  const local = (text: string) => mounts.reduce((t, [image, here]) => t.split(image).join(here), text);
  let path: string[] = [];
  const log: string[] = [];
  for (const line of lines) {
    const [, op, rest] = /^(\w+)\s+(.*)$/.exec(line) ?? [];
    if (op === 'FROM') continue;
    const node = /deb\.nodesource\.com\/setup_(\d+)\.x/.exec(rest ?? '');
    if (op === 'RUN' && node) {
      if (process.versions.node.split('.')[0] !== node[1]) throw new Error(`image build: the image installs Node ${node[1]}, this machine runs Node ${process.versions.node}`);
      continue;
    }
    const copy = op === 'COPY' ? /^(\S+)\s+(\/\S+)$/.exec(rest) : null;
    if (copy) {
      const target = join(dir, 'fs', copy[2]);
      cpSync(join(context, copy[1]), target, { recursive: true });
      mounts.push([copy[2], target]);
      continue;
    }
    if (op === 'RUN') {
      await run(local(rest), dir, log);
      continue;
    }
    const env = op === 'ENV' ? /^PATH=(.*)$/.exec(rest) : null;
    if (env) {
      path = local(env[1]).split(':').filter((p) => p !== '$PATH');
      continue;
    }
    throw new Error(`image build: the test control plane cannot build "${line}"`);
  }
  writeFileSync(join(dir, 'build.log'), log.join(''));
  return path;
}

const building = new Map<string, Promise<BuiltImage>>();

/**
 * The image of a build context, built once per digest into `cacheDir/<digest>` (concurrent builders of one digest,
 * in this process or another, end with one folder: each builds aside and renames it into place).
 */
export function imageFor(context: string, cacheDir: string): Promise<BuiltImage> {
  const digest = contextDigest(context);
  const existing = building.get(digest);
  if (existing) return existing;
  const made = (async (): Promise<BuiltImage> => {
    const dir = join(cacheDir, digest);
    const manifest = join(dir, 'image.json');
    if (existsSync(manifest)) return { digest, dir, path: (JSON.parse(readFileSync(manifest, 'utf8')) as { path: string[] }).path, seconds: 0 };
    const started = Date.now();
    const aside = `${dir}.${randomBytes(4).toString('hex')}`;
    mkdirSync(aside, { recursive: true });
    try {
      const path = await buildImage(context, aside);
      // Paths inside the image folder move with it.
      const moved = path.map((p) => p.split(aside).join(dir));
      writeFileSync(join(aside, 'image.json'), JSON.stringify({ path: moved }));
      try {
        renameSync(aside, dir);
      } catch {
        // Another builder put the same digest in place first.
        rmSync(aside, { recursive: true, force: true });
      }
      const seconds = (Date.now() - started) / 1000;
      process.stderr.write(`control plane: built environment image ${digest.slice(0, 12)} in ${seconds.toFixed(1)} s\n`);
      return { digest, dir, path: moved, seconds };
    } catch (error) {
      rmSync(aside, { recursive: true, force: true });
      throw error;
    }
  })();
  building.set(digest, made);
  made.catch(() => building.delete(digest));
  return made;
}

/** A job's PATH inside an image: the image's entries, then this machine's without any node_modules/.bin (no repo prd). */
export function imagePath(image: BuiltImage): string {
  const host = (process.env.PATH ?? '').split(delimiter).filter((p) => p && !/node_modules[\\/]\.bin$/.test(p));
  return [...image.path, ...host].join(delimiter);
}
