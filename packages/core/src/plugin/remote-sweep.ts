import type { RemoteRunRequest } from './contract.js';

/** A sweep handed to a backend that runs it as one native job elsewhere (`ComputeBackend.submitSweep`). */
export interface RemoteSweepRequest extends RemoteRunRequest {
  /** The recipe's checked `sweep` section (a @prd/sweep SweepSpec). */
  sweep: Record<string, unknown>;
  /** The sweep's seed (its own, else the recipe's). */
  seed: number;
  /** Called with every trial whose state changed. */
  progress?(trial: RemoteTrial): void;
}

/** One trial of a remote sweep, as the table shows it. */
export interface RemoteTrial {
  name: string;
  params: Record<string, unknown>;
  status: string;
  /** The objective's latest value, when the backend can read it. */
  objective?: number;
}

/** What a remote sweep gave back: the request it would send (dry run), or the ended sweep with its best trial. */
export type RemoteSweepResult =
  | { dryRun: true; request: Record<string, unknown>; warnings: string[] }
  | {
      dryRun: false;
      job: string;
      studioUrl: string;
      status: string;
      trials: RemoteTrial[];
      best?: { trial: string; params: Record<string, unknown>; objective: number; runId?: string; runDir?: string };
      durationMs: number;
    };
