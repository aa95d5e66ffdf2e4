/**
 * Server-sent events (the `text/event-stream` format of the HTML standard): encoding one event
 * (multi-line data split into `data:` lines so the client joins it back unchanged), and
 * {@linkcode eventStream}, which turns a producer of events into a streaming response that only
 * starts once there is something to say.
 * @module
 */
import type { SweepProgress } from "../src/sweep.ts";
import type { VerifyProgress } from "../src/sweep_options.ts";

/** Media type of an event stream. */
export const EVENT_STREAM_TYPE = "text/event-stream";

/** Encodes one event: `event: <name>` and the data, one `data:` line per line of text. */
export function encodeEvent(name: string, data: string): string {
  if (/[\r\n]/.test(name)) throw new Error(`an event name cannot hold a line break: ${name}`);
  const text = data.endsWith("\n") ? data.slice(0, -1) : data;
  const lines = text.split(/\r\n|\r|\n/).map((line) => `data: ${line}`);
  return `event: ${name}\n${lines.join("\n")}\n\n`;
}

/** The JSON of a `progress` event; losses that are not finite are `null`. */
export function progressData(progress: SweepProgress): string {
  const finite = (v: number) => (Number.isFinite(v) ? v : null);
  return JSON.stringify({
    run: progress.run,
    runs: progress.runs,
    step: progress.step,
    numIters: progress.numIters,
    lr: progress.lr,
    loss: finite(progress.loss),
    smoothed: finite(progress.smoothed),
  });
}

/**
 * The JSON of a `verify` event: the trial (0-based, of `trials`) and its rate, the steps it has
 * trained, and verification's steps done and planned (fewer run when trials diverge).
 */
export function verifyData(progress: VerifyProgress): string {
  return JSON.stringify({
    trial: progress.trial,
    trials: progress.trials,
    lr: progress.lr,
    step: progress.step,
    done: progress.done,
    planned: progress.planned,
  });
}

/** Where a producer sends its events. */
export interface EventSink {
  /** Sends one event (ignored once the client has gone). */
  send(name: string, data: string): void;
  /** Aborted when the client cancels the stream. */
  readonly signal: AbortSignal;
}

/** Options of {@linkcode eventStream}. */
export interface EventStreamOptions {
  /** The data of the `error` event that ends a stream whose producer failed after it started. */
  errorEvent(error: unknown): string;
  /** Extra response headers. */
  headers?: Record<string, string>;
}

/**
 * Runs `produce` and answers with its events as a stream. The response is created at the first
 * event, so a producer that fails before it (busy, invalid input) rejects with its error and
 * the caller answers with the right status; a failure after it ends the stream with an `error`
 * event. The stream closes when the producer returns; a client that cancels aborts the sink's
 * signal.
 */
export async function eventStream(
  produce: (sink: EventSink) => Promise<void>,
  options: EventStreamOptions,
): Promise<Response> {
  const encoder = new TextEncoder();
  const abort = new AbortController();
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  let closed = false;
  const opened = Promise.withResolvers<void>();
  let open = false;
  const body = new ReadableStream<Uint8Array>({
    start(c) {
      controller = c;
    },
    cancel() {
      closed = true;
      abort.abort(new DOMException("the client went away", "AbortError"));
    },
  });
  const write = (name: string, data: string) => {
    if (closed) return;
    try {
      controller.enqueue(encoder.encode(encodeEvent(name, data)));
    } catch {
      closed = true;
    }
  };
  const close = () => {
    if (closed) return;
    closed = true;
    controller.close();
  };
  const sink: EventSink = {
    send(name, data) {
      write(name, data);
      if (!open) {
        open = true;
        opened.resolve();
      }
    },
    signal: abort.signal,
  };
  const done = produce(sink).then(
    () => {
      close();
      return undefined;
    },
    (error: unknown) => {
      if (!open) return { error };
      write("error", options.errorEvent(error));
      close();
      return undefined;
    },
  );
  const failure = await Promise.race([opened.promise.then(() => undefined), done]);
  if (!open) {
    close();
    throw failure ? failure.error : new Error("the event stream ended without an event");
  }
  return new Response(body, {
    headers: {
      "content-type": `${EVENT_STREAM_TYPE}; charset=utf-8`,
      "cache-control": "no-store",
      "x-accel-buffering": "no",
      ...options.headers,
    },
  });
}
