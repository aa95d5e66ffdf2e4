/**
 * Whether the client of a request is still there. Deno's server notices a client that closed
 * its connection only when it writes to it, so a request waiting for a JSON answer would never
 * learn that its client left; the front listener (`front.ts`) sees the close and aborts the
 * request's client signal, which the sweep route passes on to the worker.
 * @module
 */

const signals = new WeakMap<Request, AbortSignal>();
const NEVER = new AbortController().signal;

/** Records the signal that aborts when the request's client closes its connection. */
export function setClientSignal(request: Request, signal: AbortSignal): void {
  signals.set(request, signal);
}

/**
 * Aborts when the client leaves: the front's signal where there is a front, and the request's
 * own signal (which Deno aborts when a write to a closed connection fails).
 */
export function clientSignal(request: Request): AbortSignal {
  return AbortSignal.any([request.signal, signals.get(request) ?? NEVER]);
}
