/**
 * A listener in front of the HTTP server: Deno's server waits forever for a request line and
 * headers that never finish, so the public port is a plain TCP listener that gives each
 * connection {@linkcode FrontOptions.headerTimeoutMs} to send its head (else 408 and close),
 * caps the head's size (431), refuses what is not HTTP/1.x (400), and then passes the bytes
 * through to `Deno.serve` on a loopback port, one request per connection (`Connection: close`),
 * so every request gets the same deadline. The body's own deadline is the handler's
 * (`LR_FINDER_BODY_TIMEOUT_MS`, 408).
 * @module
 */
import { setClientSignal } from "./client_signal.ts";
import type { ConnectionStats } from "./health.ts";

/** Options of {@linkcode serveBehindFront}. */
export interface FrontOptions {
  /** Address to listen on, e.g. `0.0.0.0`. */
  hostname: string;
  /** Port; 0 for a free one. */
  port: number;
  /** Milliseconds a client has to send its request line and headers. */
  headerTimeoutMs: number;
  /** Largest request head in bytes; default 16 KiB. */
  maxHeaderBytes?: number;
  /** Most open connections; one more is closed at once. Default 4096. */
  maxConnections?: number;
}

/** A running front and the server behind it. */
export interface Front {
  /** The public address. */
  addr: Deno.NetAddr;
  /** Connection figures. */
  stats(): ConnectionStats;
  /** Stops listening, closes every connection and stops the server behind. */
  shutdown(): Promise<void>;
}

const CRLF2 = [13, 10, 13, 10];
/** The header that tells the server behind which connection a request came on. */
const CONNECTION_HEADER = "x-lr-finder-connection";
const HOP_HEADERS = new Set(["connection", "keep-alive", "proxy-connection", CONNECTION_HEADER]);
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** Serves `handler` behind the front; resolves nothing, listens at once. */
export function serveBehindFront(
  handler: (request: Request) => Promise<Response>,
  options: FrontOptions,
): Front {
  const maxHeaderBytes = options.maxHeaderBytes ?? 16 * 1024;
  const maxConnections = options.maxConnections ?? 4096;
  // Each connection gets an unguessable token and an AbortController; the request carries the
  // token, and the controller aborts if the client closes before its answer is complete.
  const clients = new Map<string, AbortController>();
  const inner = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (request) => {
    const client = clients.get(request.headers.get(CONNECTION_HEADER) ?? "");
    if (client) setClientSignal(request, client.signal);
    return handler(request);
  });
  const innerAddr = inner.addr as Deno.NetAddr;
  const listener = Deno.listen({ hostname: options.hostname, port: options.port });
  const open = new Set<Deno.Conn>();
  const stats: ConnectionStats = { open: 0, accepted: 0, headerTimeouts: 0 };
  let closing = false;

  async function acceptLoop(): Promise<void> {
    while (!closing) {
      let conn: Deno.Conn;
      try {
        conn = await listener.accept();
      } catch {
        if (closing) return;
        // Out of file descriptors or a transient error: wait a moment, keep serving.
        await new Promise((resolve) => setTimeout(resolve, 20));
        continue;
      }
      stats.accepted++;
      if (open.size >= maxConnections) {
        conn.close();
        continue;
      }
      handle(conn);
    }
  }

  async function handle(conn: Deno.Conn): Promise<void> {
    open.add(conn);
    stats.open = open.size;
    let upstream: Deno.Conn | undefined;
    const token = crypto.randomUUID();
    const client = new AbortController();
    try {
      const head = await readHead(conn, options.headerTimeoutMs, maxHeaderBytes, token);
      if ("status" in head) {
        if (head.status === 408) stats.headerTimeouts++;
        await writeAll(conn, errorResponse(head.status, head.detail)).catch(() => {});
        return;
      }
      upstream = await Deno.connect({ hostname: innerAddr.hostname, port: innerAddr.port });
      await writeAll(upstream, head.head);
      if (head.rest.byteLength > 0) await writeAll(upstream, head.rest);
      // The connection ends with the answer (read to its last byte, even when the server
      // answered before the body was in: a 408 or 413 does not wait for the rest), or when the
      // client closes early, which closing the upstream connection passes on.
      clients.set(token, client);
      const answered = pumpResponse(upstream, conn, head.method).then(() => true);
      const left = pump(conn, upstream).then(() => false);
      if (!await Promise.race([answered, left])) {
        client.abort(new DOMException("the client went away", "AbortError"));
      }
    } catch {
      // A reset or closed connection: nothing to answer.
    } finally {
      clients.delete(token);
      closeQuietly(conn);
      if (upstream) closeQuietly(upstream);
      open.delete(conn);
      stats.open = open.size;
    }
  }

  const accepting = acceptLoop();
  return {
    addr: listener.addr as Deno.NetAddr,
    stats: () => ({ ...stats }),
    async shutdown() {
      closing = true;
      listener.close();
      for (const conn of open) closeQuietly(conn);
      await accepting;
      await inner.shutdown();
    },
  };
}

type Head =
  | { head: Uint8Array; rest: Uint8Array; method: string }
  | { status: 400 | 408 | 431; detail: string };

/** Reads up to the end of the headers within the deadline; rewrites them for one request. */
async function readHead(
  conn: Deno.Conn,
  timeoutMs: number,
  maxBytes: number,
  token: string,
): Promise<Head> {
  const buffer = new Uint8Array(maxBytes + 4);
  let length = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), timeoutMs);
  });
  try {
    while (true) {
      const view = buffer.subarray(length, Math.min(buffer.length, length + 4096));
      const read = await Promise.race([conn.read(view), timeout]);
      if (read === "timeout") {
        return {
          status: 408,
          detail: `the request line and headers did not arrive within ${timeoutMs} ms ` +
            "(LR_FINDER_HEADER_TIMEOUT_MS)",
        };
      }
      if (read === null) throw new Error("the client closed the connection");
      const from = Math.max(0, length - 3);
      length += read;
      const end = indexOf(buffer, CRLF2, from, length);
      if (end >= 0) {
        const text = new TextDecoder().decode(buffer.subarray(0, end));
        const rewritten = rewriteHead(text, token);
        if (typeof rewritten !== "string") return rewritten;
        return {
          head: new TextEncoder().encode(rewritten),
          rest: buffer.slice(end + 4, length),
          method: text.slice(0, text.indexOf(" ")),
        };
      }
      if (length >= maxBytes) {
        return {
          status: 431,
          detail: `the request line and headers are larger than ${maxBytes} bytes`,
        };
      }
    }
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The head with `Connection: close` instead of the client's hop-by-hop headers, and the
 * connection's token (a client's own header of that name is dropped).
 */
function rewriteHead(text: string, token: string): string | { status: 400; detail: string } {
  const lines = text.split("\r\n");
  const requestLine = lines[0];
  const parts = requestLine.split(" ");
  if (
    parts.length !== 3 || !TOKEN.test(parts[0]) || parts[1] === "" || /[\s]/.test(parts[1]) ||
    !/^HTTP\/1\.[01]$/.test(parts[2])
  ) {
    return { status: 400, detail: "expected an HTTP/1.1 request line (METHOD /path HTTP/1.1)" };
  }
  const headers: string[] = [];
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(":");
    const name = colon > 0 ? line.slice(0, colon) : "";
    if (!TOKEN.test(name) || /[\r\n\0]/.test(line)) {
      return { status: 400, detail: "a header line is malformed" };
    }
    if (!HOP_HEADERS.has(name.toLowerCase())) headers.push(line);
  }
  return [requestLine, ...headers, `${CONNECTION_HEADER}: ${token}`, "connection: close", "", ""]
    .join("\r\n");
}

function errorResponse(status: 400 | 408 | 431, detail: string): Uint8Array {
  const titles = {
    400: "Bad Request",
    408: "Request Timeout",
    431: "Request Header Fields Too Large",
  };
  const body = JSON.stringify({ type: "about:blank", title: titles[status], status, detail }) +
    "\n";
  const bytes = new TextEncoder().encode(body);
  return new TextEncoder().encode(
    `HTTP/1.1 ${status} ${titles[status]}\r\ncontent-type: application/problem+json\r\n` +
      `content-length: ${bytes.byteLength}\r\nconnection: close\r\n\r\n${body}`,
  );
}

/** Passes the server's answer to the client; returns once its last byte is through. */
async function pumpResponse(from: Deno.Conn, to: Deno.Conn, method: string): Promise<void> {
  const framing = responseFraming(method);
  const buffer = new Uint8Array(32 * 1024);
  try {
    while (true) {
      const read = await from.read(buffer);
      if (read === null) return;
      const chunk = buffer.subarray(0, read);
      await writeAll(to, chunk);
      if (framing.push(chunk)) return;
    }
  } catch {
    // Either side closed.
  }
}

/**
 * Finds the end of an HTTP/1.1 response in the bytes as they pass: informational answers are
 * skipped, then the body ends after `Content-Length` bytes, after the last chunk of a chunked
 * body, at once for HEAD, 204 and 304, or when the server closes.
 */
export function responseFraming(method: string): { push(bytes: Uint8Array): boolean } {
  let head = "";
  let state: "head" | "length" | "size" | "data" | "data-end" | "trailer" | "close" = "head";
  let remaining = 0;
  let line = "";
  return {
    push(bytes) {
      for (let i = 0; i < bytes.length; i++) {
        const c = bytes[i];
        switch (state) {
          case "head": {
            head += String.fromCharCode(c);
            if (!head.endsWith("\r\n\r\n")) break;
            const status = Number(head.slice(9, 12));
            const headers = head.toLowerCase();
            head = "";
            if (status >= 100 && status < 200) break;
            if (method === "HEAD" || status === 204 || status === 304) return true;
            if (/\r\ntransfer-encoding:[^\r]*chunked/.test(headers)) {
              state = "size";
              line = "";
            } else {
              const match = /\r\ncontent-length:\s*(\d+)/.exec(headers);
              if (!match) {
                state = "close";
                break;
              }
              remaining = Number(match[1]);
              if (remaining === 0) return true;
              state = "length";
            }
            break;
          }
          case "length": {
            const take = Math.min(remaining, bytes.length - i);
            remaining -= take;
            i += take - 1;
            if (remaining === 0) return true;
            break;
          }
          case "size":
          case "trailer":
            line += String.fromCharCode(c);
            if (!line.endsWith("\r\n")) break;
            if (state === "trailer") {
              if (line === "\r\n") return true;
            } else {
              remaining = parseInt(line, 16);
              state = remaining === 0 ? "trailer" : "data";
            }
            line = "";
            break;
          case "data": {
            const take = Math.min(remaining, bytes.length - i);
            remaining -= take;
            i += take - 1;
            if (remaining === 0) {
              state = "data-end";
              remaining = 2;
            }
            break;
          }
          case "data-end":
            if (--remaining === 0) state = "size";
            break;
          case "close":
            return false;
        }
      }
      return false;
    },
  };
}

async function pump(from: Deno.Conn, to: Deno.Conn): Promise<void> {
  const buffer = new Uint8Array(32 * 1024);
  try {
    while (true) {
      const read = await from.read(buffer);
      if (read === null) return;
      await writeAll(to, buffer.subarray(0, read));
    }
  } catch {
    // Either side closed.
  }
}

async function writeAll(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  let offset = 0;
  while (offset < bytes.byteLength) offset += await conn.write(bytes.subarray(offset));
}

function indexOf(haystack: Uint8Array, needle: number[], from: number, end: number): number {
  outer: for (let i = from; i <= end - needle.length; i++) {
    for (let j = 0; j < needle.length; j++) {
      if (haystack[i + j] !== needle[j]) continue outer;
    }
    return i;
  }
  return -1;
}

function closeQuietly(conn: Deno.Conn): void {
  try {
    conn.close();
  } catch {
    // Closed already.
  }
}
