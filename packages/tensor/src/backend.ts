import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
// tfjs-core's node bundle registers no gradients; tfjs-layers' bundle registers all of them on load.
import '@tensorflow/tfjs-layers';
import { PrdError } from '@prd/core';
import { installWasmFixes } from './wasm/install.js';

/** Where models run: `gpu` (tfjs-node-gpu), `native` (tfjs-node), `wasm`, `cpu` (pure JS), or `auto`. */
export type Device = 'auto' | 'gpu' | 'native' | 'wasm' | 'cpu';
/** The devices `auto` tries, fastest first. */
export const DEVICES: Exclude<Device, 'auto'>[] = ['gpu', 'native', 'wasm', 'cpu'];

/** The backend in use. */
export interface BackendInfo {
  device: Exclude<Device, 'auto'>;
  /** The tfjs backend name (`tensorflow`, `wasm`, `cpu`). */
  backend: string;
  /** A label for manifests and reports, such as "tfjs-wasm". */
  runtime: string;
}

/** Options of {@link selectBackend}. */
export interface SelectOptions {
  /** Apply prd's wasm kernel fixes (default true; false only to measure stock tfjs). */
  fixes?: boolean;
}

const require = createRequire(import.meta.url);
const NATIVE_PACKAGES = { gpu: '@tensorflow/tfjs-node-gpu', native: '@tensorflow/tfjs-node' } as const;
let current: BackendInfo | undefined;

/** The backend chosen by the last {@link selectBackend}, if any. */
export function currentBackend(): BackendInfo | undefined {
  return current;
}

/**
 * Make `device` the active tfjs backend. `auto` takes the fastest that loads (gpu, native, wasm, cpu). A device
 * that cannot load is a PrdError that says how to install it or what to use instead.
 */
export async function selectBackend(device: Device = 'auto', options: SelectOptions = {}): Promise<BackendInfo> {
  // PROD silences tfjs' "install tfjs-node" banner and skips debug-only checks.
  tf.env().set('PROD', true);
  if (device === 'auto') {
    const failures: string[] = [];
    for (const candidate of DEVICES) {
      try {
        return await selectBackend(candidate, options);
      } catch (error) {
        failures.push(`${candidate}: ${(error as Error).message}`);
      }
    }
    throw new PrdError(`no TensorFlow.js backend could be loaded:\n  ${failures.join('\n  ')}`);
  }
  let info: BackendInfo;
  switch (device) {
    case 'gpu':
    case 'native':
      info = await loadNative(device);
      break;
    case 'wasm':
      await loadWasm(options.fixes ?? true);
      info = { device, backend: 'wasm', runtime: 'tfjs-wasm' };
      break;
    case 'cpu':
      await import('@tensorflow/tfjs-backend-cpu');
      info = { device, backend: 'cpu', runtime: 'tfjs-cpu' };
      break;
    default:
      throw new PrdError(`unknown device "${device as string}"; use one of auto, ${DEVICES.join(', ')}`);
  }
  if (tf.engine().backendName !== info.backend) {
    const ok = await tf.setBackend(info.backend);
    if (!ok) throw new PrdError(`the ${info.runtime} backend failed to initialise`);
  }
  current = info;
  return info;
}

let wasmPathsSet = false;

async function loadWasm(fixes: boolean): Promise<void> {
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  if (!tf.findBackendFactory('wasm')) throw new Error('tfjs-backend-wasm did not register its backend');
  if (!wasmPathsSet) {
    // The .wasm binaries sit beside the package's node bundle; point at them explicitly so bundlers and odd
    // working directories cannot break the lookup.
    const dir = dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json'));
    wasm.setWasmPaths(`${dir}/dist/`);
    wasmPathsSet = true;
  }
  if (fixes) installWasmFixes();
}

async function loadNative(device: 'gpu' | 'native'): Promise<BackendInfo> {
  const name = NATIVE_PACKAGES[device];
  try {
    require.resolve(name);
  } catch {
    throw new PrdError(`device "${device}" needs ${name}, which is not installed; run \`npm i ${name}@4.22.0\` (it downloads libtensorflow) or use device "wasm"`);
  }
  try {
    // require, not import(): it resolves the way require.resolve above did, NODE_PATH included (ESM ignores it),
    // and tfjs-node is a CommonJS package.
    require(name);
  } catch (error) {
    throw new PrdError(`${name} is installed but failed to load: ${(error as Error).message}`);
  }
  if (!tf.findBackendFactory('tensorflow')) {
    throw new PrdError(`${name} registered its backend with a different copy of @tensorflow/tfjs-core; install ${name} at the same version as @tensorflow/tfjs-core (4.22.0)`);
  }
  return { device, backend: 'tensorflow', runtime: device === 'gpu' ? 'tfjs-node-gpu' : 'tfjs-node' };
}
