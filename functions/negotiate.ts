/**
 * What a sweep answers with, chosen from the request's `Accept` header (q-values honoured,
 * by the `negotiator` package): the result JSON, the plot as SVG or PNG, or an event stream.
 * @module
 */
// @ts-types="@types/negotiator"
import Negotiator from "negotiator";

/** The representations of a sweep, by media type; the first is the default. */
export const SWEEP_MEDIA_TYPES = {
  json: "application/json",
  svg: "image/svg+xml",
  png: "image/png",
  events: "text/event-stream",
} as const;

/** A representation of a sweep. */
export type SweepFormat = keyof typeof SWEEP_MEDIA_TYPES;

const FORMAT_BY_TYPE = new Map(
  Object.entries(SWEEP_MEDIA_TYPES).map(([format, type]) => [type, format as SweepFormat]),
);

/**
 * The format the client prefers among {@linkcode SWEEP_MEDIA_TYPES}: JSON when `Accept` is
 * missing, empty or `*\/*`; `undefined` when it accepts none of them (answer 406).
 */
export function negotiateFormat(accept: string | null): SweepFormat | undefined {
  const negotiator = new Negotiator({ headers: { accept: accept?.trim() || "*/*" } });
  const type = negotiator.mediaType(Object.values(SWEEP_MEDIA_TYPES));
  return type === undefined ? undefined : FORMAT_BY_TYPE.get(type as never);
}

/** True when a `Content-Type` header names JSON (`application/json`, `...+json`). */
export function isJsonContentType(contentType: string | null): boolean {
  if (contentType === null) return false;
  const essence = contentType.split(";")[0].trim().toLowerCase();
  return essence === "application/json" || /^application\/[a-z0-9.+-]+\+json$/.test(essence);
}
