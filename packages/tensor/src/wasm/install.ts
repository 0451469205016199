import { installConv2dBackpropFilter } from './conv-backprop-filter.js';
import { installConv2dBackpropInput } from './conv-backprop-input.js';
import { installZeroCopyIdentity } from './identity.js';
import { installFastTransposedMatMul } from './matmul.js';
import { installContiguousSlice, installContiguousSplit } from './slice.js';

let installed = false;

/**
 * Make tfjs-wasm able to train every prd model, and fast at it: register the missing gradient kernels and route
 * products with a transposed operand through the fast path. Idempotent; call before the first wasm op.
 */
export function installWasmFixes(): void {
  if (installed) return;
  installConv2dBackpropFilter();
  installConv2dBackpropInput();
  installFastTransposedMatMul();
  installZeroCopyIdentity();
  installContiguousSlice();
  installContiguousSplit();
  installed = true;
}
