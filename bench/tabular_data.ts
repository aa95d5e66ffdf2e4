/**
 * Seeded tabular datasets for the quality benchmark: small classification sets in the manner of
 * scikit-learn's `make_classification` (Gaussian clusters on the vertices of a hypercube in a few
 * informative features, linear mixtures of them as redundant features, pure-noise features and
 * flipped labels), standardised as a practitioner would before training. Training and validation
 * samples come from one draw, so they share the clusters.
 * @module
 */
import type { Dataset } from "../src/data/dataset.ts";
import { createRng, normal, type Rng } from "../src/random.ts";

/** What to generate. */
export interface TabularSpec {
  /** Training samples. */
  train: number;
  /** Validation samples. */
  validation: number;
  /** Features in all: informative, redundant (mixtures of the informative ones), then noise. */
  features: number;
  /** Informative features (the cluster centres live in these). */
  informative: number;
  /** Redundant features: random linear combinations of the informative ones. */
  redundant: number;
  /** Number of classes (2 for a binary target in [0, 1]). */
  classes: number;
  /** Gaussian clusters per class. */
  clustersPerClass: number;
  /** Half the side of the hypercube the cluster centres sit on. */
  separation: number;
  /** Share of labels replaced by a random class. */
  flip: number;
  /** Seed of the generator. */
  seed: number;
  /** `binary`: one target in {0, 1} per sample (for a sigmoid output); else class indices. */
  target: "binary" | "classes";
}

/** Training and validation parts of a generated set. */
export interface TabularData {
  /** Training samples. */
  train: Dataset;
  /** Validation samples. */
  validation: Dataset;
}

/** Generates a tabular classification set (see the module comment), features standardised. */
export function tabularClassification(spec: TabularSpec): TabularData {
  const rng = createRng(spec.seed);
  const clusters = spec.classes * spec.clustersPerClass;
  const centres = distinctVertices(clusters, spec.informative, rng).map((v) =>
    v.map((bit) => (bit ? spec.separation : -spec.separation))
  );
  // Each cluster gets its own random linear distortion, as make_classification does.
  const shapes = centres.map(() =>
    Array.from({ length: spec.informative ** 2 }, () => 2 * rng() - 1)
  );
  const mixing = Array.from(
    { length: spec.redundant * spec.informative },
    () => 2 * rng() - 1,
  );
  const total = spec.train + spec.validation;
  const x = new Float32Array(total * spec.features);
  const labels = new Int32Array(total);
  for (let i = 0; i < total; i++) {
    const cluster = Math.floor(rng() * clusters);
    labels[i] = cluster % spec.classes;
    const raw = Array.from({ length: spec.informative }, () => normal(rng));
    const row = x.subarray(i * spec.features, (i + 1) * spec.features);
    for (let j = 0; j < spec.informative; j++) {
      let v = centres[cluster][j];
      for (let k = 0; k < spec.informative; k++) {
        v += shapes[cluster][j * spec.informative + k] * raw[k];
      }
      row[j] = v;
    }
    for (let r = 0; r < spec.redundant; r++) {
      let v = 0;
      for (let k = 0; k < spec.informative; k++) {
        v += mixing[r * spec.informative + k] * row[k];
      }
      row[spec.informative + r] = v;
    }
    for (let j = spec.informative + spec.redundant; j < spec.features; j++) row[j] = normal(rng);
    if (rng() < spec.flip) labels[i] = Math.floor(rng() * spec.classes);
  }
  standardise(x, spec.features, spec.train);
  const part = (from: number, to: number, what: string): Dataset => {
    const source = `tabular ${spec.classes}-class (seed ${spec.seed}) ${what}`;
    const xs = x.slice(from * spec.features, to * spec.features);
    const ys = labels.slice(from, to);
    return spec.target === "binary"
      ? {
        x: xs,
        xShape: [spec.features],
        y: Float32Array.from(ys),
        yShape: [],
        size: to - from,
        source,
      }
      : {
        x: xs,
        xShape: [spec.features],
        y: ys,
        yShape: [],
        classes: spec.classes,
        size: to - from,
        source,
      };
  };
  return { train: part(0, spec.train, "train"), validation: part(spec.train, total, "validation") };
}

/** Scales every feature to mean 0 and deviation 1 over the first `fitRows` rows. */
function standardise(x: Float32Array, width: number, fitRows: number): void {
  const rows = x.length / width;
  for (let j = 0; j < width; j++) {
    let mean = 0;
    for (let i = 0; i < fitRows; i++) mean += x[i * width + j] / fitRows;
    let variance = 0;
    for (let i = 0; i < fitRows; i++) variance += (x[i * width + j] - mean) ** 2 / fitRows;
    const sd = Math.sqrt(variance) || 1;
    for (let i = 0; i < rows; i++) x[i * width + j] = (x[i * width + j] - mean) / sd;
  }
}

/** `count` distinct random vertices of the `dims`-dimensional hypercube, as bit lists. */
function distinctVertices(count: number, dims: number, rng: Rng): boolean[][] {
  const all = 2 ** dims;
  if (count > all) throw new Error(`${count} clusters need more than ${dims} informative features`);
  const chosen = new Set<number>();
  while (chosen.size < count) chosen.add(Math.floor(rng() * all));
  return [...chosen].map((v) => Array.from({ length: dims }, (_, b) => ((v >> b) & 1) === 1));
}
