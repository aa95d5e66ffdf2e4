/**
 * One sweep at a time per process (a sweep keeps the CPU or GPU busy) with a small bounded
 * queue of waiting requests; a request beyond it is refused at once with a retry estimate.
 * @module
 */

/** Thrown by {@linkcode SweepQueue.run} when the queue is full. */
export class QueueFullError extends Error {
  override name = "QueueFullError";
  /** Seconds after which a retry has a fair chance. */
  readonly retryAfterSeconds: number;

  /** Creates the error with a retry estimate. */
  constructor(retryAfterSeconds: number) {
    super(`a sweep is running and ${retryAfterSeconds}s of work is queued`);
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** Runs tasks one at a time; see {@linkcode createSweepQueue}. */
export interface SweepQueue {
  /**
   * Runs `task` when its turn comes. Throws {@linkcode QueueFullError} at once when the queue
   * is full, and the signal's reason when the signal aborts before the turn comes.
   */
  run<T>(task: () => Promise<T>, options?: { signal?: AbortSignal }): Promise<T>;
  /** Throws {@linkcode QueueFullError} when a task arriving now would be refused. */
  admit(): void;
  /** True while a task runs. */
  readonly busy: boolean;
  /** Tasks waiting for their turn. */
  readonly waiting: number;
}

/** Options of {@linkcode createSweepQueue}. */
export interface SweepQueueOptions {
  /** Most tasks that may wait while one runs. */
  maxWaiting: number;
  /** Seconds assumed per task before any has finished; default 10. */
  initialTaskSeconds?: number;
}

/** Creates a queue that runs one task at a time and lets at most `maxWaiting` wait. */
export function createSweepQueue(options: SweepQueueOptions): SweepQueue {
  const waiters: (() => void)[] = [];
  let running = false;
  let averageSeconds = options.initialTaskSeconds ?? 10;

  function next(): void {
    const wake = waiters.shift();
    if (wake) wake();
    else running = false;
  }

  function admit(): void {
    if (running && waiters.length >= options.maxWaiting) {
      throw new QueueFullError(Math.max(1, Math.ceil(averageSeconds * (waiters.length + 1))));
    }
  }

  async function turn(signal?: AbortSignal): Promise<void> {
    if (!running) {
      running = true;
      return;
    }
    admit();
    signal?.throwIfAborted();
    await new Promise<void>((resolve, reject) => {
      const wake = () => {
        signal?.removeEventListener("abort", onAbort);
        resolve();
      };
      const onAbort = () => {
        const index = waiters.indexOf(wake);
        if (index >= 0) waiters.splice(index, 1);
        reject(signal!.reason);
      };
      waiters.push(wake);
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }

  return {
    async run<T>(task: () => Promise<T>, runOptions: { signal?: AbortSignal } = {}): Promise<T> {
      await turn(runOptions.signal);
      const started = performance.now();
      try {
        return await task();
      } finally {
        const seconds = (performance.now() - started) / 1000;
        averageSeconds = 0.7 * averageSeconds + 0.3 * seconds;
        next();
      }
    },
    admit,
    get busy() {
      return running;
    },
    get waiting() {
      return waiters.length;
    },
  };
}
