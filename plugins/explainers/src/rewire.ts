import { closest, PrdError } from '@prd/core';
import { tfl, type LayersModel, type SymbolicTensor } from '@prd/tensor';

type Layer = ReturnType<LayersModel['getLayer']>;

/** Find a layer by name, or fail naming the layers there are. */
export function layerNamed(model: LayersModel, name: string, pointer: string): Layer {
  const names = model.layers.map((l) => l.name);
  if (!names.includes(name)) {
    throw new PrdError(`the model has no layer "${name}"`, [{ pointer, message: `layers: ${names.join(', ')}`, suggestion: closest(name, names) }]);
  }
  return model.getLayer(name);
}

/**
 * A model that computes the same graph as `model` with shared weights, but (optionally) takes the output of
 * `cut` as an extra first input instead of computing it, and (optionally) ends in logits: the final softmax
 * Dense layer replaced by a linear copy of it. Gradients with respect to an inner layer (Grad-CAM) and to the
 * pre-softmax scores need exactly this, and tfjs-layers cannot feed inner tensors directly.
 */
export function rewire(model: LayersModel, options: { cut?: Layer; logits: boolean }): LayersModel {
  const map = new Map<SymbolicTensor, SymbolicTensor>();
  for (const input of model.inputs) map.set(input, input);
  const inputs: SymbolicTensor[] = [];
  if (options.cut) {
    const outShape = options.cut.outputShape as unknown as Array<number | null> | Array<Array<number | null>>;
    const shape = (Array.isArray(outShape[0]) ? outShape[0] : outShape) as Array<number | null>;
    const cutInput = tfl.input({ shape: shape.slice(1) as number[], name: `${options.cut.name}_fed` });
    map.set(options.cut.inboundNodes[0].outputTensors[0], cutInput);
    inputs.push(cutInput);
  }
  const outputLayer = model.outputs[0].sourceLayer;
  for (const layer of model.layers) {
    if (layer === options.cut || layer.getClassName() === 'InputLayer') continue;
    const inbound = layer.inboundNodes[0].inputTensors.map((t) => {
      const mapped = map.get(t);
      if (!mapped) throw new Error(`rewire: layer ${layer.name} reads a tensor computed out of order`);
      return mapped;
    });
    let applied: Layer = layer;
    const config = layer.getConfig() as { activation?: string; units?: number; useBias?: boolean };
    if (options.logits && layer === outputLayer && layer.getClassName() === 'Dense' && config.activation === 'softmax') {
      applied = tfl.layers.dense({ units: config.units!, useBias: config.useBias, activation: 'linear', name: `${layer.name}_logits` });
    }
    const output = applied.apply(inbound.length === 1 ? inbound[0] : inbound) as SymbolicTensor;
    if (applied !== layer) applied.setWeights(layer.getWeights());
    // The layer's first node is the model's own (re-applying it here adds more nodes, so `layer.output` is ambiguous).
    map.set(layer.inboundNodes[0].outputTensors[0], output);
  }
  // Keep only the original inputs the new output still depends on (a profile-only model fed at its residual
  // add no longer needs the profile input).
  const needed = ancestors(map.get(model.outputs[0])!);
  return tfl.model({ inputs: [...inputs, ...model.inputs.filter((i) => needed.has(i))], outputs: map.get(model.outputs[0])! });
}

function ancestors(tensor: SymbolicTensor): Set<SymbolicTensor> {
  const seen = new Set<SymbolicTensor>();
  const stack = [tensor];
  while (stack.length) {
    const t = stack.pop()!;
    if (seen.has(t)) continue;
    seen.add(t);
    const layer = t.sourceLayer;
    const node = layer.inboundNodes[t.nodeIndex];
    if (node) stack.push(...node.inputTensors);
  }
  return seen;
}
