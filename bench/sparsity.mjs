// How much of the first layer's products the packed kernel does on a data set's rows (issue 13):
// it leaves out each step over an input that is zero in all rows of a tile — 6 rows of the batch
// forward (Z = X·W), 6 inputs over the batch's rows for the weight gradient (dW = Xᵀ·dZ) — so
// on mostly-zero rows such as digits tunenet's training does fewer FLOPs than the GEMM bound of
// bench/run.mjs counts (crates/core/src/network/first_layer.rs).
const TILE = 6;

/** Shares of the forward's and the weight gradient's steps taken, over whole batches of `batch` rows of `x` [rows, features]. */
export function firstLayerStepsTaken(x, rows, features, batch = 128) {
  const nonzero = (r, f) => x[r * features + f] !== 0;
  let forward = 0;
  let weightGrad = 0;
  let batches = 0;
  for (let b = 0; b + batch <= rows; b += batch, batches++) {
    for (let t = b; t < b + batch; t += TILE) {
      for (let f = 0; f < features; f++) {
        for (let r = t; r < Math.min(t + TILE, b + batch); r++) if (nonzero(r, f)) { forward++; break; }
      }
    }
    for (let f0 = 0; f0 < features; f0 += TILE) {
      for (let r = b; r < b + batch; r++) {
        for (let f = f0; f < Math.min(f0 + TILE, features); f++) if (nonzero(r, f)) { weightGrad++; break; }
      }
    }
  }
  const steps = batches * Math.ceil(batch / TILE) * features; // forward: tiles × inputs
  const gradSteps = batches * Math.ceil(features / TILE) * batch; // dW: tiles × batch rows
  return { forward: forward / steps, weightGrad: weightGrad / gradSteps, zeros: x.subarray(0, rows * features).filter((v) => v === 0).length / (rows * features) };
}
