/**
 * Ctrl-C during a sweep: the first press aborts the sweep (which stops after the current step
 * and keeps its partial curve), a second press exits at once.
 * @module
 */
import { EXIT_CODES, writeErr } from "./output.ts";

/** An abort signal tied to Ctrl-C; call `dispose()` when the sweep is over. */
export interface InterruptHandle {
  /** Aborts on the first Ctrl-C. */
  signal: AbortSignal;
  /** Stops listening for Ctrl-C (the default handling comes back). */
  dispose(): void;
}

/** Listens for Ctrl-C (SIGINT) and returns a signal that aborts on the first one. */
export function listenForInterrupt(): InterruptHandle {
  const controller = new AbortController();
  const onInterrupt = () => {
    if (controller.signal.aborted) Deno.exit(EXIT_CODES.failed);
    controller.abort();
    writeErr("\nstopping after this step and writing the partial result (Ctrl-C again to quit)\n");
  };
  Deno.addSignalListener("SIGINT", onInterrupt);
  return {
    signal: controller.signal,
    dispose: () => Deno.removeSignalListener("SIGINT", onInterrupt),
  };
}
