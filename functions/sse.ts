/**
 * Server-sent events (the `text/event-stream` format of the HTML standard): encoding one event,
 * with multi-line data split into `data:` lines so the client joins it back unchanged.
 * @module
 */
import type { SweepProgress } from "../src/sweep.ts";

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
