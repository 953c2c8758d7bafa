import { fork } from "node:child_process";
import { createRequire } from "node:module";
import { join } from "node:path";

import { z } from "zod";

import { SECRET_ENV } from "../../controller/src/config/schema.js";
import type { BenchContext } from "../context.js";
import { startBenchController } from "../context.js";
import { ControllerProcessError } from "../controller-process.js";
import { prepareDeliveries, runLoad } from "../load.js";
import { median, ratio, round } from "../stats.js";
import { createBenchWorld } from "../world.js";

const CONCURRENCY = 8;
const ROUNDS = 3;
const WARM_UP = 200;
const MAX_LOAD_MS = 60_000;

/** Signed deliveries per second through the controller and through a bare HMAC server. */
export interface IngestionResult {
  /** Deliveries per round and target. */
  deliveries: number;
  rounds: number;
  concurrency: number;
  bodyBytes: number;
  /** Bare node:http server: read body, `verify`, reply. */
  bare: LoadSummary;
  /** Controller, `workflow_job` `queued` for jobs without the trusted labels: 200 "not ours". */
  controllerNotOurs: LoadSummary;
  /** Controller, the same deliveries again: 200 "duplicate delivery". */
  controllerDuplicates: LoadSummary;
  notOursOverBare: number | null;
  duplicatesOverBare: number | null;
}

interface LoadSummary {
  /** Median of the rounds. */
  perSecond: number | null;
  /** Replies by HTTP status over every round. */
  statuses: Record<string, number>;
}

function mergeCounts(
  total: Record<string, number>,
  more: Record<string, number>,
): Record<string, number> {
  const merged = { ...total };
  for (const [key, value] of Object.entries(more)) merged[key] = (merged[key] ?? 0) + value;
  return merged;
}

const exampleSchema = z.array(
  z.object({ name: z.string(), examples: z.array(z.record(z.string(), z.unknown())) }),
);

/** Returns a real `workflow_job` `queued` payload from GitHub's published examples, about 7 kB. */
function queuedTemplate(): Record<string, unknown> {
  const examples = exampleSchema.parse(
    createRequire(import.meta.url)("@octokit/webhooks-examples/api.github.com/index.json"),
  );
  const queued = examples
    .find((entry) => entry.name === "workflow_job")
    ?.examples.find((example) => example.action === "queued");
  if (queued === undefined) throw new Error("no workflow_job queued example in webhooks-examples");
  return queued;
}

/**
 * Builds delivery `index`: the example job in the controller's repository, with its own id
 * and GitHub's hosted labels, so the controller records the delivery id and ignores the job.
 */
function notOursBody(template: Record<string, unknown>, index: number): string {
  const job = template.workflow_job as Record<string, unknown>;
  const repository = template.repository as Record<string, unknown>;
  return JSON.stringify({
    ...template,
    workflow_job: {
      ...job,
      id: 900_000_000 + index,
      run_id: 800_000_000 + index,
      labels: ["ubuntu-latest"],
    },
    repository: { ...repository, full_name: "acme/app", name: "app" },
  });
}

async function startBareServer(
  entry: string,
  secret: string,
): Promise<{ url: string; stop(): void }> {
  const child = fork(entry, [], {
    env: { ...process.env, [SECRET_ENV.webhookSecret]: secret },
    stdio: ["ignore", "ignore", "inherit", "ipc"],
  });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new ControllerProcessError("bare webhook server did not start in time"));
    }, 30_000);
    child.once("message", (message: unknown) => {
      clearTimeout(timer);
      resolve(z.object({ url: z.string() }).parse(message).url);
    });
  });
  return { url, stop: () => child.disconnect() };
}

/**
 * Sends the same signed deliveries, over the same keep-alive connections, to a bare server and
 * to the controller's real webhook endpoint, each in a process of its own. No job requests the
 * trusted labels, so the controller creates no VM.
 */
export async function benchIngestion(context: BenchContext): Promise<IngestionResult> {
  const count = context.quick ? 600 : 2000;
  const bench = await createBenchWorld();
  const template = queuedTemplate();
  const secret = bench.webhookSecret;
  const bare = await startBareServer(context.bundles.bareServer, secret);
  const controller = await startBenchController(
    context,
    bench,
    {
      runDir: join(context.runDir, "ingestion"),
      prefix: `${context.prefix}i-`,
      capacity: { warmPool: 0, maxVms: 1 },
      pollSeconds: 600,
    },
    { simulatedGuests: { stepMode: "succeed" } },
    false,
  );
  try {
    const warmUp = prepareDeliveries(secret, "workflow_job", WARM_UP, (index) =>
      notOursBody(template, index),
    );
    await runLoad(bare.url, warmUp, CONCURRENCY, MAX_LOAD_MS);
    await runLoad(controller.url, warmUp, CONCURRENCY, MAX_LOAD_MS);

    // Rounds alternate between the targets, so a burst of load from other work on the machine
    // lands on both; each figure is the median round. Every round signs fresh delivery ids,
    // then replays them to the controller as duplicates.
    const bareRounds: number[] = [];
    const notOursRounds: number[] = [];
    const duplicateRounds: number[] = [];
    const statuses = { bare: {}, notOurs: {}, duplicates: {} } as Record<
      string,
      Record<string, number>
    >;
    let bodyBytes = 0;
    for (let pass = 0; pass < ROUNDS; pass += 1) {
      const offset = WARM_UP + pass * count;
      const timed = prepareDeliveries(secret, "workflow_job", count, (index) =>
        notOursBody(template, offset + index),
      );
      bodyBytes = Buffer.byteLength(timed[0]!.body);
      const runs: [string, string, number[]][] = [
        ["bare", bare.url, bareRounds],
        ["notOurs", controller.url, notOursRounds],
        ["duplicates", controller.url, duplicateRounds],
      ];
      for (const [name, url, rounds] of runs) {
        const result = await runLoad(url, timed, CONCURRENCY, MAX_LOAD_MS);
        rounds.push(result.perSecond);
        statuses[name] = mergeCounts(statuses[name]!, result.statuses);
      }
    }
    const bareRate = median(bareRounds);
    const notOursRate = median(notOursRounds);
    const duplicatesRate = median(duplicateRounds);
    context.progress(
      `ingestion: bare ${Math.round(bareRate ?? 0)}/s, controller ${Math.round(notOursRate ?? 0)}/s`,
    );
    return {
      deliveries: count,
      rounds: ROUNDS,
      concurrency: CONCURRENCY,
      bodyBytes,
      bare: { perSecond: round(bareRate, 0), statuses: statuses.bare! },
      controllerNotOurs: { perSecond: round(notOursRate, 0), statuses: statuses.notOurs! },
      controllerDuplicates: { perSecond: round(duplicatesRate, 0), statuses: statuses.duplicates! },
      notOursOverBare: round(ratio(notOursRate, bareRate), 2),
      duplicatesOverBare: round(ratio(duplicatesRate, bareRate), 2),
    };
  } finally {
    bare.stop();
    await controller.stop();
    await bench.close();
  }
}
