// The cars of the `vega-datasets` package (406 cars from the 1970s and early 80s): predict miles
// per gallon from cylinders, displacement, horsepower, weight, acceleration, model year and
// origin. Cars missing their mpg or horsepower (14) are dropped; origin is one-hot encoded.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);

export const FEATURES = ['cylinders', 'displacement', 'horsepower', 'weight', 'acceleration', 'year', 'USA', 'Europe', 'Japan'];

/** { x: Float32Array [m, 9], y: Float32Array [m] (miles per gallon), names } */
export function loadCars() {
  // The package exports only its JS entry; the JSON files sit in its data/ folder beside build/.
  const root = path.resolve(path.dirname(require.resolve('vega-datasets')), '..');
  const cars = JSON.parse(readFileSync(path.join(root, 'data', 'cars.json'), 'utf8'));
  const usable = cars.filter((c) => c.Miles_per_Gallon != null && c.Horsepower != null);
  const x = new Float32Array(usable.length * FEATURES.length);
  const y = new Float32Array(usable.length);
  usable.forEach((c, i) => {
    const year = Number(String(c.Year).slice(0, 4));
    const row = [c.Cylinders, c.Displacement, c.Horsepower, c.Weight_in_lbs, c.Acceleration, year, c.Origin === 'USA' ? 1 : 0, c.Origin === 'Europe' ? 1 : 0, c.Origin === 'Japan' ? 1 : 0];
    x.set(row, i * FEATURES.length);
    y[i] = c.Miles_per_Gallon;
  });
  return { x, y, names: usable.map((c) => c.Name) };
}
