import { startTestServer, type RecordedRequest, type TestHttpServer } from '@prd/testing';

/** A fault for the next request whose path matches. */
export interface Fault {
  /** Substring of the request path, such as "runs/log-batch". */
  path: string;
  /** `refuse`: answer with the status without forwarding (the server never saw it). `after`: forward, then answer with the status (the server applied it). */
  mode: 'refuse' | 'after';
  status: number;
  headers?: Record<string, string>;
  /** Only requests whose body contains this text, such as '"metrics":[{'. */
  bodyIncludes?: string;
  /** How many matching requests it hits; default 1. */
  times?: number;
}

/** An HTTP proxy in front of a real MLflow server that injects faults and counts what passes. */
export interface FaultProxy extends TestHttpServer {
  faults: Fault[];
  /** Paths of the requests, in order. */
  paths(): string[];
}

/** Start a proxy to `target` (a real tracking server). */
export async function startFaultProxy(target: string): Promise<FaultProxy> {
  const faults: Fault[] = [];
  const forward = async (req: RecordedRequest) => {
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string' && !['host', 'content-length', 'connection'].includes(k)) headers[k] = v;
    const method = req.method.toUpperCase();
    const res = await fetch(`${target}${req.url}`, { method, headers, body: method === 'GET' || method === 'HEAD' ? undefined : req.body });
    return { status: res.status, body: Buffer.from(await res.arrayBuffer()), headers: { 'content-type': res.headers.get('content-type') ?? 'application/json' } };
  };
  const server = await startTestServer(async (req) => {
    const fault = faults.find((f) => req.url.includes(f.path) && (f.times ?? 1) > 0 && (!f.bodyIncludes || req.body.toString('utf8').includes(f.bodyIncludes)));
    if (!fault) return forward(req);
    fault.times = (fault.times ?? 1) - 1;
    if (fault.mode === 'after') await forward(req);
    return { status: fault.status, headers: fault.headers, body: { error_code: 'TEMPORARILY_UNAVAILABLE', message: 'injected by the test proxy' } };
  });
  return { ...server, faults, paths: () => server.requests.map((r) => `${r.method} ${r.url.split('?')[0]}`) };
}
