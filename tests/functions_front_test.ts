import assert from "node:assert/strict";
import { type Front, responseFraming, serveBehindFront } from "../functions/front.ts";
import { createHandler, type SweepHandler, type SweepRecord } from "../functions/handler.ts";
import { createWorkerPool } from "../functions/worker_pool.ts";
import { smallData } from "./functions_server.ts";

const FAKE_WORKER = new URL("./fixtures/fake_worker.ts", import.meta.url).pathname;

/** The real handler (with a stand-in worker: no sweep runs here) behind the front. */
async function withFront(
  options: { headerTimeoutMs: number; bodyTimeoutMs?: number },
  body: (front: Front, handler: SweepHandler) => Promise<void>,
): Promise<void> {
  const pool = createWorkerPool({
    backend: "wasm",
    memoryLimitMiB: 1024,
    spawn: () =>
      new Deno.Command(Deno.execPath(), {
        args: ["run", "--allow-read", FAKE_WORKER, "ok"],
        stdin: "piped",
        stdout: "piped",
        stderr: "piped",
      }).spawn(),
  });
  const holder: { front?: Front } = {};
  const handler = createHandler({
    pool,
    limits: { bodyTimeoutMs: options.bodyTimeoutMs ?? 30_000 },
    connections: () => holder.front!.stats(),
  });
  const front = serveBehindFront(handler.fetch, {
    hostname: "127.0.0.1",
    port: 0,
    headerTimeoutMs: options.headerTimeoutMs,
  });
  holder.front = front;
  try {
    await body(front, handler);
  } finally {
    await front.shutdown();
    await handler.close();
  }
}

async function connect(front: Front): Promise<Deno.TcpConn> {
  return await Deno.connect({ hostname: "127.0.0.1", port: front.addr.port });
}

/** Everything the server sends until it closes the connection. */
async function readAll(conn: Deno.Conn): Promise<string> {
  const chunks: Uint8Array[] = [];
  const buffer = new Uint8Array(4096);
  try {
    for (let n = await conn.read(buffer); n !== null; n = await conn.read(buffer)) {
      chunks.push(buffer.slice(0, n));
    }
  } catch {
    // Reset by the server: what came is what counts.
  }
  conn.close();
  return new TextDecoder().decode(new Uint8Array(chunks.flatMap((c) => [...c])));
}

/** Open file descriptors of this process (read by `ls`: Deno asks for --allow-all itself). */
async function openFiles(): Promise<number> {
  const { stdout } = await new Deno.Command("ls", { args: [`/proc/${Deno.pid}/fd`] }).output();
  return new TextDecoder().decode(stdout).trim().split(/\s+/).length;
}

Deno.test("1,000 slow connections: health stays fast, each gets 408 and is closed", async () => {
  await withFront({ headerTimeoutMs: 4000 }, async (front) => {
    const filesBefore = await openFiles();
    const slow: Deno.TcpConn[] = [];
    const partial = new TextEncoder().encode("POST /v1/sweep HTTP/1.1\r\nHost: x\r\n");
    for (let i = 0; i < 1000; i++) {
      const conn = await connect(front);
      if (i % 10 !== 0) await conn.write(partial); // and every tenth sends nothing at all
      slow.push(conn);
    }
    const answers = slow.map(readAll);
    const latencies: number[] = [];
    for (let i = 0; i < 50; i++) {
      const started = performance.now();
      const response = await fetch(`http://127.0.0.1:${front.addr.port}/v1/health`);
      const health = await response.json();
      latencies.push(performance.now() - started);
      assert.equal(health.status, "ok");
      assert.ok(health.connections.open >= 1000, `${health.connections.open} open`);
    }
    latencies.sort((a, b) => a - b);
    const p99 = latencies[Math.ceil(0.99 * latencies.length) - 1];
    assert.ok(p99 < 100, `health p99 ${p99.toFixed(1)} ms with 1,000 slow connections open`);
    for (const text of await Promise.all(answers)) {
      assert.match(text, /^HTTP\/1\.1 408 Request Timeout\r\n/);
      assert.match(text, /did not arrive within 4000 ms/);
    }
    const stats = front.stats();
    assert.equal(stats.open, 0);
    assert.equal(stats.headerTimeouts, 1000);
    const filesAfter = await openFiles();
    assert.ok(filesAfter <= filesBefore + 5, `${filesAfter} files open, ${filesBefore} before`);
  });
});

Deno.test("a slow body gets 408 from the handler; the connection is closed", async () => {
  await withFront({ headerTimeoutMs: 5000, bodyTimeoutMs: 300 }, async (front) => {
    const conn = await connect(front);
    await conn.write(new TextEncoder().encode(
      "POST /v1/sweep HTTP/1.1\r\nHost: x\r\ncontent-type: application/json\r\n" +
        'content-length: 1000\r\n\r\n{"model":',
    ));
    const text = await readAll(conn);
    assert.match(text, /^HTTP\/1\.1 408 /);
    assert.match(text, /content-type: application\/problem\+json/);
    assert.match(text, /did not arrive within 300 ms \(9 bytes came\)/);
  });
});

Deno.test("heads that are too large, not HTTP/1.x, or smuggle a line break are refused", async () => {
  await withFront({ headerTimeoutMs: 5000 }, async (front) => {
    const send = async (head: string) => {
      const conn = await connect(front);
      await conn.write(new TextEncoder().encode(head));
      return await readAll(conn);
    };
    assert.match(
      await send(`GET / HTTP/1.1\r\nX: ${"a".repeat(20_000)}\r\n\r\n`),
      /^HTTP\/1\.1 431 /,
    );
    assert.match(await send("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"), /^HTTP\/1\.1 400 /);
    assert.match(
      await send("GET / HTTP/1.1\r\nX: a\nConnection: keep-alive\r\n\r\n"),
      /^HTTP\/1\.1 400 /,
    );
    assert.match(await send("GET / HTTP/1.1\r\n folded\r\n\r\n"), /^HTTP\/1\.1 400 /);
  });
});

Deno.test("one request per connection; HEAD answers the GET's length and no body", async () => {
  await withFront({ headerTimeoutMs: 5000 }, async (front) => {
    const conn = await connect(front);
    await conn.write(new TextEncoder().encode(
      "GET /v1/health HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n\r\n" +
        "GET /v1/health HTTP/1.1\r\nHost: x\r\n\r\n",
    ));
    const text = await readAll(conn);
    assert.equal(text.match(/HTTP\/1\.1 200/g)?.length, 1, "the second request is not answered");
    assert.match(text, /\r\nconnection: close\r\n/i);
    const url = `http://127.0.0.1:${front.addr.port}/`;
    const get = await fetch(url);
    const length = (await get.arrayBuffer()).byteLength;
    const head = await fetch(url, { method: "HEAD" });
    assert.equal(head.status, 200);
    assert.equal(head.headers.get("content-length"), String(length));
    assert.equal(await head.text(), "");
  });
});

Deno.test("responseFraming: the end of a response by length, chunks, HEAD, 204 and 1xx", () => {
  const bytes = (text: string) => new TextEncoder().encode(text);
  const endsAt = (method: string, text: string) => {
    const framing = responseFraming(method);
    for (let i = 0; i < text.length; i++) {
      if (framing.push(bytes(text[i]))) return i + 1;
    }
    return -1;
  };
  const sized = "HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nhello";
  assert.equal(endsAt("GET", sized + "more"), sized.length);
  assert.equal(endsAt("HEAD", sized), sized.indexOf("hello"));
  const chunked = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" +
    "5\r\nhello\r\na;ext=1\r\n0123456789\r\n0\r\nx-trailer: 1\r\n\r\n";
  assert.equal(endsAt("POST", chunked + "junk"), chunked.length);
  const informational = "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n";
  assert.equal(endsAt("POST", informational), informational.length);
  assert.equal(endsAt("GET", "HTTP/1.1 200 OK\r\n\r\nuntil the server closes"), -1);
  const whole = responseFraming("GET");
  assert.equal(whole.push(bytes(sized)), true, "one chunk holding the whole response");
});

Deno.test("a JSON client that leaves: the front tells the handler, the sweep stops", async () => {
  const ended = Promise.withResolvers<SweepRecord>();
  const handler = createHandler({
    backend: "wasm",
    limits: { maxSteps: 100_000 },
    onSweepEnd: (record) => ended.resolve(record),
  });
  const front = serveBehindFront(handler.fetch, {
    hostname: "127.0.0.1",
    port: 0,
    headerTimeoutMs: 5000,
  });
  try {
    await handler.ready();
    const { x, y } = smallData();
    const body = JSON.stringify({
      model: [{ type: "dense", units: 64, activation: "relu" }, { type: "output" }],
      data: { x, y, classes: 3 },
      sweep: { numIters: 100_000, endLr: 1e-3, divergeThreshold: 1e6 },
    });
    const conn = await connect(front);
    await conn.write(new TextEncoder().encode(
      `POST /v1/sweep HTTP/1.1\r\nHost: x\r\ncontent-type: application/json\r\n` +
        `content-length: ${new TextEncoder().encode(body).length}\r\n\r\n${body}`,
    ));
    // The sweep is running once the worker is busy; then the client hangs up.
    while (handler.health().worker.state !== "busy") await new Promise((r) => setTimeout(r, 10));
    conn.close();
    const record = await ended.promise;
    assert.equal(record.status, 499);
    assert.equal(record.stopReason, "aborted");
    assert.ok(record.steps < 100_000);
    await handler.ready();
    assert.equal(handler.health().worker.restarts, 0, "the sweep stopped itself");
    assert.equal(handler.health().worker.tensors, 0);
  } finally {
    await front.shutdown();
    await handler.close();
  }
});
