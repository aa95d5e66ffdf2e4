import assert from "node:assert/strict";
import { createRng, type Rng } from "../src/random.ts";
import {
  postSweep,
  smallRequest,
  startServeProcess,
  startServer,
  type TestServer,
  workerMemory,
} from "./functions_server.ts";
import { topologyCases } from "./functions_topology_fuzz.ts";

/** One bad request: what to send, and a label for failure messages. */
interface BadRequest {
  label: string;
  send(server: { url: string }): Promise<Response>;
}

const LIMITS = { maxBodyBytes: 32_768, maxSamples: 200, maxParams: 20_000 };

function pick<T>(rng: Rng, items: readonly T[]): T {
  return items[Math.floor(rng() * items.length)];
}

const TOPOLOGY_BASE = {
  class_name: "Sequential",
  config: {
    layers: [{ class_name: "Dense", config: { units: 3, batch_input_shape: [null, 2] } }],
  },
};

/** Values that are wrong for each field, whatever else the request holds. */
const INVALID_FIELDS: Record<string, readonly unknown[]> = {
  batchSize: [0, -1, 1.5, "16", null, [], {}, 1e9],
  seed: [1.5, "1", null, {}, [], true],
  loss: ["nope", 3, null, {}, "", ["mse"]],
  optimizer: [
    "nadam",
    { name: "nadam" },
    { name: "adam", beta1: 2 },
    { name: "sgd", momentum: 0.9 },
    null,
    [],
    {},
  ],
  suggest: ["best", 1, null, {}],
  name: ["", 5, null, "x".repeat(300)],
  sweep: [
    "fast",
    [],
    null,
    { numIters: 5 },
    { numIters: 10_000 },
    { numIters: 12.5 },
    { startLr: 0 },
    { startLr: 1, endLr: 0.5 },
    { runs: 100 },
    { smoothing: 1 },
    { mode: "cubic" },
    { divergeThreshold: 1 },
    { bogus: 1 },
    { timeBudgetMs: -1 },
    { evaluate: "test" },
  ],
  model: [
    null,
    5,
    "dense",
    {},
    [],
    [{ type: "dense" }],
    [{ type: "conv3d", filters: 2 }],
    [{ type: "dense", units: -3 }],
    [{ type: "output" }, { type: "dense", units: 2 }],
    [{ type: "dense", units: 3, activation: "sparkle" }],
    [{ type: "dense", units: 1e7 }, { type: "output" }],
    [{ type: "conv2d", filters: 2, kernelSize: 3 }, { type: "output" }],
    [{ type: "lstm", units: 4 }, { type: "output" }],
    { layers: [] },
    { inputShape: [0], layers: [{ type: "output" }] },
    { inputShape: [5], layers: [{ type: "output" }] },
    { inputShape: [2], layers: [{ type: "output" }], extra: 1 },
    { modelTopology: "x" },
    { modelTopology: { class_name: "Dense", config: {} } },
    { modelTopology: { class_name: "Sequential", config: { layers: [] } } },
    { modelTopology: TOPOLOGY_BASE, weightsManifest: [] },
    {
      modelTopology: {
        class_name: "Sequential",
        config: { layers: [{ class_name: "Evil", config: { units: 3 } }] },
      },
    },
    {
      modelTopology: {
        class_name: "Sequential",
        config: {
          layers: [{
            class_name: "Dense",
            config: {
              units: 3,
              batch_input_shape: [null, 2],
              kernel_initializer: { class_name: "MyInit", config: {} },
            },
          }],
        },
      },
    },
    {
      modelTopology: {
        class_name: "Sequential",
        config: {
          layers: [{
            class_name: "Dense",
            config: { units: "three", batch_input_shape: [null, 2] },
          }],
        },
      },
    },
    {
      modelTopology: {
        class_name: "Model",
        config: { layers: [], input_layers: [["nope", 0, 0]], output_layers: [] },
      },
    },
  ],
  data: [
    null,
    "csv",
    [],
    {},
    { x: [] },
    { x: [[1, 2]], y: [] },
    { x: "abc", y: [1] },
    { x: [[1, "a"]], y: [0] },
    { x: [[1, 2], [1]], y: [0, 1] },
    { x: [[1, 2]], y: [0], classes: 1 },
    { x: [[1, 2]], y: [5], classes: 3 },
    { x: [[1, 2]], y: [null] },
    { x: Array.from({ length: 201 }, () => 1), y: Array.from({ length: 201 }, () => 0) },
    { x: [[1, 2]], y: [0], bogus: true },
    { csv: "" },
    { csv: "a,b\n1,2\n" },
    { csv: "x,label\nfoo,a\n" },
    { csv: "x,label\n" },
    { csv: 'x,label\n"1,a\n' },
    { csv: "x,label\n1,a\n2\n" },
    { csv: "x,x,label\n1,2,a\n" },
    { csv: 42, label: "label" },
  ],
};

/** A seeded generator of requests that are each wrong in one way. */
function badRequests(count: number, seed: number): BadRequest[] {
  const rng = createRng(seed);
  const valid = () => smallRequest();
  const text = (label: string, body: string, headers: Record<string, string> = {}) => ({
    label,
    send: (server: { url: string }) => postSweep(server, body, headers),
  });
  const makers: (() => BadRequest)[] = [
    () => {
      const field = pick(rng, Object.keys(INVALID_FIELDS));
      const value = pick(rng, INVALID_FIELDS[field]);
      const body = { ...valid(), [field]: value };
      return text(`${field} = ${JSON.stringify(value)?.slice(0, 80)}`, JSON.stringify(body));
    },
    () => {
      const field = pick(rng, ["model", "data"]);
      const body: Record<string, unknown> = valid();
      delete body[field];
      return text(`no ${field}`, JSON.stringify(body));
    },
    () => {
      const key = `k${Math.floor(rng() * 1e6).toString(36)}`;
      return text(`unknown key ${key}`, JSON.stringify({ ...valid(), [key]: 1 }));
    },
    () => {
      const body = JSON.stringify(valid());
      const cut = 1 + Math.floor(rng() * (body.length - 2));
      return text(`truncated at ${cut}`, body.slice(0, cut));
    },
    () => {
      const length = 1 + Math.floor(rng() * 200);
      const bytes = Uint8Array.from({ length }, () => Math.floor(rng() * 256));
      bytes[0] = 0x7d;
      return {
        label: `${length} random bytes`,
        send: (server) =>
          fetch(`${server.url}/v1/sweep`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: bytes,
          }),
      };
    },
    () => text("a JSON scalar or list", pick(rng, ["42", '"sweep"', "null", "true", "[]", "[{}]"])),
    () => {
      const depth = 65 + Math.floor(rng() * 200);
      const deep = "[".repeat(depth) + "]".repeat(depth);
      return text(
        `x nested ${depth} deep`,
        JSON.stringify(valid()).replace(/"x":\[/, `"x":[${deep},`),
      );
    },
    () =>
      text(
        "a __proto__ key",
        JSON.stringify(valid()).replace(/^\{/, '{"__proto__":{"polluted":true},'),
      ),
    () => text("too large", JSON.stringify({ ...valid(), name: "y".repeat(40_000) })),
    () =>
      text("not JSON content", JSON.stringify(valid()), {
        "content-type": pick(rng, ["text/plain", "application/x-www-form-urlencoded", "text/csv"]),
      }),
    () =>
      text("unacceptable Accept", JSON.stringify(valid()), {
        accept: pick(rng, ["text/html", "application/xml", "image/jpeg", "text/csv"]),
      }),
    () => {
      const method = pick(rng, ["GET", "PUT", "DELETE", "PATCH"]);
      return {
        label: `${method} /v1/sweep`,
        send: (server) => fetch(`${server.url}/v1/sweep`, { method }),
      };
    },
    () => {
      const path = pick(rng, [
        "/v1",
        "/v1/sweep/",
        "/v2/sweep",
        "/admin",
        "/v1/health/x",
        "/..%2f",
      ]);
      return { label: `GET ${path}`, send: (server) => fetch(`${server.url}${path}`) };
    },
  ];
  return Array.from({ length: count }, () => pick(rng, makers)());
}

Deno.test("a few hundred seeded malformed requests: each a 4xx problem, never a 500", async () => {
  const server: TestServer = startServer({ limits: LIMITS });
  try {
    const requests = badRequests(300, 20240601);
    const statuses = new Set<number>();
    for (let i = 0; i < requests.length; i += 6) {
      const batch = requests.slice(i, i + 6);
      const responses = await Promise.all(batch.map((request) => request.send(server)));
      for (const [j, response] of responses.entries()) {
        const label = `request ${i + j} (${batch[j].label})`;
        const body = await response.text();
        assert.ok(
          response.status >= 400 && response.status < 500,
          `${label} answered ${response.status}: ${body}`,
        );
        assert.equal(response.headers.get("content-type"), "application/problem+json", label);
        const problem = JSON.parse(body);
        assert.equal(problem.status, response.status, label);
        assert.ok(typeof problem.detail === "string" && problem.detail.length > 0, label);
        statuses.add(response.status);
      }
    }
    for (const status of [400, 404, 405, 406, 413, 415, 422]) {
      assert.ok(statuses.has(status), `no request was answered ${status}`);
    }
    const health = await server.health();
    assert.equal(health.state, "idle");
    const good = await postSweep(server, smallRequest());
    assert.equal(good.status, 200);
    await good.body?.cancel();
    assert.deepEqual(await workerMemory(server), { tensors: 0, variables: 0 });
  } finally {
    await server.close();
  }
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
});

/** Sends `request` and checks the answer and the server's health right after. */
async function sendAndCheck(
  server: Awaited<ReturnType<typeof startServeProcess>>,
  label: string,
  send: () => Promise<Response>,
): Promise<number> {
  const response = await send();
  const body = await response.text();
  assert.ok(
    response.status < 500 || response.status === 503,
    `${label} answered ${response.status}: ${body}`,
  );
  if (response.status >= 400) {
    assert.equal(response.headers.get("content-type"), "application/problem+json", label);
  }
  if (response.status === 503) assert.match(response.headers.get("retry-after")!, /^\d+$/);
  let health = await server.health();
  while (health.status !== "ok") {
    // A worker that died is being replaced: health answers "degraded" until it is ready.
    assert.equal(health.status, "degraded", label);
    await new Promise((resolve) => setTimeout(resolve, 50));
    health = await server.health();
  }
  return response.status;
}

Deno.test("topology fuzzer: 240 mutated topologies and 60 other bad requests on deno task serve", async () => {
  // A short time budget: a topology that made TensorFlow.js loop would be killed in 8 s.
  const server = await startServeProcess({ LR_FINDER_TIME_BUDGET_MS: "3000" });
  try {
    const warm = await postSweep(server, smallRequest());
    assert.equal(warm.status, 200);
    await warm.body?.cancel();
    const baseline = await server.health();
    const statuses = new Map<number, number>();
    const count = (status: number) => statuses.set(status, (statuses.get(status) ?? 0) + 1);
    for (const fuzzCase of topologyCases(240, 20261202)) {
      count(await sendAndCheck(server, fuzzCase.label, () => postSweep(server, fuzzCase.body)));
    }
    for (const request of badRequests(60, 7)) {
      count(await sendAndCheck(server, request.label, () => request.send(server)));
    }
    assert.ok((statuses.get(422) ?? 0) > 100, `statuses ${JSON.stringify([...statuses])}`);
    assert.ok((statuses.get(200) ?? 0) > 10, "some mutations are still valid models and sweep");
    const after = await server.health();
    assert.equal(after.status, "ok");
    assert.equal(after.worker.tensors, 0);
    assert.equal(after.worker.variables, 0);
    assert.ok(
      after.memory.rss < 2 * baseline.memory.rss,
      `the server's memory went from ${baseline.memory.rss} to ${after.memory.rss} bytes`,
    );
    assert.ok(after.worker.rss! < 2 * baseline.worker.rss!, `worker ${after.worker.rss} bytes`);
  } finally {
    await server.stop();
  }
});
