/**
 * How many threads each BLAS product gets: one below a size floor (threads cost more than they
 * gain there), and above it whichever of one thread or all of them has been faster lately for
 * products of that size. The choice is measured while the sweep runs because it depends on the
 * machine and on its load: on a quiet two-core machine two threads multiply a 64x784x128
 * product 1.6 times faster than one, and on the same machine shared with other busy processes
 * ten times slower (the library's threads wait for cores that are taken).
 * @module
 */

/** How often a size class tries the arm that is currently slower, to notice a change. */
const EXPLORE_EVERY = 64;
/** Weight of the newest time in each arm's moving average. */
const NEWEST_WEIGHT = 0.25;
/** Timed calls of each arm before the faster one is preferred. */
const FIRST_SAMPLES = 2;

interface Arm {
  /** Moving average of milliseconds per million multiply-adds. */
  msPerMega: number;
  /** Calls timed. */
  samples: number;
}

interface SizeClass {
  calls: number;
  /** Index 0: one thread; 1: all threads. */
  arms: [Arm, Arm];
}

/** Chooses and learns the thread count of products by size class (powers of two of work). */
export class ThreadChooser {
  readonly #threads: number;
  readonly #classes = new Map<number, SizeClass>();

  /** A chooser between one thread and `threads`. */
  constructor(threads: number) {
    this.#threads = threads;
  }

  #classOf(macs: number): SizeClass {
    const key = Math.floor(Math.log2(Math.max(1, macs)));
    let sizeClass = this.#classes.get(key);
    if (sizeClass === undefined) {
      sizeClass = {
        calls: 0,
        arms: [{ msPerMega: 0, samples: 0 }, { msPerMega: 0, samples: 0 }],
      };
      this.#classes.set(key, sizeClass);
    }
    return sizeClass;
  }

  /** Threads for a product of `macs` multiply-adds; products below `minMacs` get one. */
  choose(macs: number, minMacs: number): number {
    if (this.#threads <= 1 || macs < minMacs) return 1;
    const sizeClass = this.#classOf(macs);
    sizeClass.calls++;
    const [one, all] = sizeClass.arms;
    let arm: 0 | 1;
    if (one.samples < FIRST_SAMPLES || all.samples < FIRST_SAMPLES) {
      arm = one.samples <= all.samples ? 0 : 1;
    } else {
      arm = one.msPerMega <= all.msPerMega ? 0 : 1;
      if (sizeClass.calls % EXPLORE_EVERY === 0) arm = arm === 0 ? 1 : 0;
    }
    return arm === 0 ? 1 : this.#threads;
  }

  /** Records how long a product of `macs` multiply-adds took on `threads` threads. */
  record(macs: number, threads: number, ms: number): void {
    if (this.#threads <= 1 || macs <= 0) return;
    const arm = this.#classOf(macs).arms[threads === 1 ? 0 : 1];
    const value = ms / (macs / 1e6);
    arm.msPerMega = arm.samples === 0
      ? value
      : arm.msPerMega + NEWEST_WEIGHT * (value - arm.msPerMega);
    arm.samples++;
  }
}
