import { createHmac, randomUUID } from "node:crypto";

/** One generated webhook request. */
export interface HostileRequest {
  category: string;
  headers: Record<string, string>;
  body: string;
}

/** Small seeded generator, so a failing body can be reproduced from the seed. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function sign(secret: string, body: string): string {
  return `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
}

/** Builds a `workflow_job` payload for `acme/app`; `labels` decide whether the controller serves it. */
export function workflowJobBody(jobId: number, action: string, labels: string[]): string {
  return JSON.stringify({
    action,
    workflow_job: { id: jobId, run_id: jobId + 1, status: action, labels },
    repository: { full_name: "acme/app" },
    sender: { login: "mallory", type: "User" },
  });
}

const UNKNOWN_EVENTS = ["push", "ping", "check_run", "workflow_run", "", "../../x", "WORKFLOW_JOB"];
const UNKNOWN_ACTIONS = ["requested", "deleted", "", "QUEUED", "queued ", "__proto__", "0"];

/**
 * Builds the hostile requests by category: `perCategory` of each, except oversized bodies, of
 * which there are `oversized` (each larger than `maxBodyBytes`). None of them may change state:
 * every well-signed body either fails validation or requests labels the controller does not serve.
 */
export function hostileRequests(options: {
  secret: string;
  perCategory: number;
  oversized: number;
  maxBodyBytes: number;
  seed: number;
}): HostileRequest[] {
  const random = seeded(options.seed);
  const pick = <T>(values: readonly T[]): T => values[Math.floor(random() * values.length)]!;
  const jobId = (): number => 1_000_000 + Math.floor(random() * 1_000_000);
  const trusted = ["self-hosted", "linux", "x64", "chem-trusted-pr"];
  const headers = (
    body: string,
    event = "workflow_job",
    signature = sign(options.secret, body),
  ) => ({
    "content-type": "application/json",
    "x-github-event": event,
    "x-github-delivery": randomUUID(),
    "x-hub-signature-256": signature,
  });
  const requests: HostileRequest[] = [];
  const add = (category: string, count: number, make: () => Omit<HostileRequest, "category">) => {
    for (let index = 0; index < count; index++) requests.push({ category, ...make() });
  };
  const n = options.perCategory;

  add("malformed JSON", n, () => {
    const valid = workflowJobBody(jobId(), "queued", trusted);
    const cut = valid.slice(0, Math.floor(random() * valid.length));
    const body = pick([cut, `${valid}}`, valid.replace(/"/g, "'"), "\u0000\uffff", "{", "nul"]);
    return { headers: headers(body), body };
  });
  add("wrong signature", n, () => {
    const body = workflowJobBody(jobId(), "queued", trusted);
    const wrong = pick([
      sign(`${options.secret}x`, body),
      sign("", body),
      sign(options.secret, `${body} `),
      `sha256=${"0".repeat(64)}`,
      `sha256=${sign(options.secret, body).slice(7, 70)}`,
      `${sign(options.secret, body)}0`,
      sign(options.secret, workflowJobBody(jobId(), "queued", trusted)),
    ]);
    return { headers: headers(body, "workflow_job", wrong), body };
  });
  add("missing signature", n, () => {
    const body = workflowJobBody(jobId(), "queued", trusted);
    const all = headers(body);
    const variant = pick(["absent", "empty", "sha1", "bare hex"]);
    const rest: Record<string, string> = { ...all };
    if (variant === "absent") delete rest["x-hub-signature-256"];
    if (variant === "empty") rest["x-hub-signature-256"] = "";
    if (variant === "sha1") rest["x-hub-signature-256"] = `sha1=${"a".repeat(40)}`;
    if (variant === "bare hex") rest["x-hub-signature-256"] = all["x-hub-signature-256"].slice(7);
    return { headers: rest, body };
  });
  add("deeply nested", n, () => {
    const depth = 1000 + Math.floor(random() * 50_000);
    const nested = `${"[".repeat(depth)}${"]".repeat(depth)}`;
    const body = `{"action":"queued","workflow_job":${nested},"repository":{"full_name":"acme/app"}}`;
    return { headers: headers(body), body };
  });
  add("unknown event", n, () => {
    const body = workflowJobBody(jobId(), "queued", trusted);
    return { headers: headers(body, pick(UNKNOWN_EVENTS)), body };
  });
  add("unknown action", n, () => {
    const body = workflowJobBody(jobId(), pick(UNKNOWN_ACTIONS), trusted);
    return { headers: headers(body), body };
  });
  add("invalid payload fields", n, () => {
    const body = pick([
      JSON.stringify({
        action: "queued",
        workflow_job: { id: -1, run_id: 1, status: "q", labels: trusted },
        repository: { full_name: "acme/app" },
      }),
      JSON.stringify({
        action: "queued",
        workflow_job: { id: "1", run_id: 1, status: "q", labels: trusted },
        repository: { full_name: "acme/app" },
      }),
      JSON.stringify({
        action: "queued",
        workflow_job: { id: 1, run_id: 1, status: "q", labels: "self-hosted" },
        repository: { full_name: "acme/app" },
      }),
      JSON.stringify({
        action: "queued",
        workflow_job: null,
        repository: { full_name: "acme/app" },
      }),
      '{"action":"queued","__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}}',
      JSON.stringify([1, 2, 3]),
      "null",
      "12345",
    ]);
    return { headers: headers(body), body };
  });
  add("missing delivery or event", n, () => {
    const body = workflowJobBody(jobId(), "queued", trusted);
    const rest: Record<string, string> = { ...headers(body) };
    delete rest[pick(["x-github-delivery", "x-github-event"])];
    return { headers: rest, body };
  });
  add("oversized", options.oversized, () => {
    const padding = "x".repeat(options.maxBodyBytes + 1 + Math.floor(random() * 1024));
    const body = JSON.stringify({ action: "queued", padding });
    return { headers: headers(body), body };
  });
  return requests;
}
