import { PrdError, type RunEvents } from '@prd/core';
import { loadModel, type LayersModel } from '@prd/tensor';

const shapeText = (shape: readonly (number | null)[]) => `[${shape.join(', ')}]`;

/**
 * Start a new model from a trained one's weights (`prd run --from`): fine-tuning, or transfer to new data or bands.
 * Weights are matched in order (the two models come from the same architecture); every one must have the same
 * shape, except the output layer's kernel and bias, which start fresh when the bands differ. Anything else (other
 * features or heights, another model plugin or options) is a user error that names the misfits.
 */
export async function startFromWeights(model: LayersModel, modelDir: string, events: RunEvents): Promise<void> {
  const parent = await loadModel(modelDir);
  try {
    const mine = model.weights;
    const theirs = parent.weights;
    if (mine.length !== theirs.length) {
      throw new PrdError(
        `cannot start from the model in ${modelDir}: it has ${theirs.length} weight tensors and this recipe's model ${mine.length}; --from needs a model of the same architecture (the same model plugin and options)`,
      );
    }
    const fresh: string[] = [];
    const misfits: string[] = [];
    const values = mine.map((weight, i) => {
      const other = theirs[i]!;
      if (shapeText(other.shape) === shapeText(weight.shape)) return other.read();
      const line = `${weight.originalName}: ${shapeText(other.shape)} in the parent, ${shapeText(weight.shape)} here`;
      // The last two tensors are the output layer's kernel and bias: other bands, same body.
      (i >= mine.length - 2 ? fresh : misfits).push(line);
      return weight.read();
    });
    if (misfits.length > 0) {
      throw new PrdError(
        `cannot start from the model in ${modelDir}: its layers do not fit this recipe's model (other features, heights or model options); --from needs the same inputs and architecture`,
        misfits.slice(0, 10).map((message) => ({ message })),
      );
    }
    model.setWeights(values);
    events.log(`starting from the weights of ${modelDir}${fresh.length > 0 ? `; the output layer starts fresh (${fresh.join('; ')})` : ''}`);
  } finally {
    parent.dispose();
  }
}
