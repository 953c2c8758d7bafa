import { z } from "zod";

import { labelSetProblems } from "../routing/label-set.js";
import { runnerLabelsSchema } from "../routing/policy.js";

/**
 * The controller's configuration file, written by the Pulumi program to
 * `/etc/trusted-runners/controller.json` and read at start. It contains no secret: the GitHub App
 * private key and the webhook secret come from the environment (see {@link secretsFromEnv}).
 */

const repositorySchema = z.object({
  /** Owner login (organisation or user). */
  owner: z.string().min(1),
  /** Repository name without the owner. */
  name: z.string().min(1),
  /** Numeric repository id, as GitHub's API returns it. */
  id: z.number().int().positive(),
});

export const controllerConfigSchema = z
  .object({
    github: z.object({
      /** REST API base URL; `https://api.github.com` for github.com, a loopback URL in tests. */
      apiUrl: z.url().default("https://api.github.com"),
      /** GitHub App id used to sign the JWT for installation tokens. */
      appId: z.number().int().positive(),
      /** Installation id of the App on the organisation. */
      installationId: z.number().int().positive(),
      /** Organisation that owns the runner group and the repositories. */
      organization: z.string().min(1),
      /** Repositories whose queued jobs the controller serves. */
      repositories: z.array(repositorySchema).min(1),
      /** Runner group that JIT runners join; the id, as the Pulumi program outputs it. */
      runnerGroupId: z.number().int().positive(),
      /** Labels a job must request, all of them, to be served; also given to every JIT runner. */
      labels: runnerLabelsSchema,
      /**
       * Minimum time in ms between the starts of two GitHub write requests, which then run one
       * at a time. GitHub's REST best practices ask for at least one second between mutative
       * requests to avoid secondary rate limits, so the default caps JIT issuance near one per
       * second. 0 sends writes at once and concurrently, which suits the emulator, not github.com.
       * https://docs.github.com/rest/guides/best-practices-for-using-the-rest-api
       */
      minWriteIntervalMs: z.number().int().nonnegative().default(1000),
    }),
    routing: z
      .object({
        /**
         * When true, a PR author whose association is CONTRIBUTOR is looked up with the
         * organisation membership API, so members with private membership are still trusted.
         */
        confirmContributorMembership: z.boolean().default(true),
        /**
         * When true, the run of a queued job that requests the trusted labels and fails the
         * policy is cancelled. Left queued, GitHub would hand it to the next runner made for a
         * trusted job, which the controller then has to destroy: one such run could starve every
         * trusted job. Look-up failures (a run or pull request not found) never cancel.
         */
        cancelRejectedRuns: z.boolean().default(true),
      })
      .default({ confirmContributorMembership: true, cancelRejectedRuns: true }),
    libvirt: z.object({
      /** Connection URI: `qemu:///system`, `qemu+ssh://host/system` or `test:///default`. */
      uri: z.string().min(1).default("qemu:///system"),
      /** Guest network: a libvirt network by name, or QEMU user-mode networking (tests). */
      network: z.discriminatedUnion("type", [
        z.object({
          type: z.literal("network"),
          name: z.string().min(1),
          /** nwfilter referenced by every guest interface, keeping guests off the host's services. */
          filter: z.string().min(1).optional(),
        }),
        z.object({ type: z.literal("user") }),
      ]),
      /** Storage pool that contains the base volume and the per-VM overlays. */
      pool: z.string().min(1),
      /** Name of the base volume in the pool; overlays are qcow2 files backed by it. */
      baseVolume: z.string().min(1),
      /** Prefix of every domain, overlay and runner name the controller creates. */
      namePrefix: z
        .string()
        .regex(/^[a-z][a-z0-9-]{1,15}$/)
        .default("tr-"),
      /** Host folder for the virtio-serial sockets that carry JIT configs to guests. */
      channelDir: z.string().min(1).default("/run/trusted-runners/channels"),
      /**
       * Guest boot for the test image: kernel and initramfs paths on the host. Absent for
       * production images, which boot from the overlay disk.
       */
      directKernel: z.object({ kernel: z.string().min(1), initrd: z.string().min(1) }).optional(),
      /** Domain type: `kvm` when /dev/kvm is usable, `qemu` (TCG) otherwise. */
      domainType: z.enum(["kvm", "qemu"]).default("kvm"),
    }),
    vm: z.object({
      /** Virtual CPUs per VM. */
      vcpus: z.number().int().min(1).max(64),
      /** Memory per VM in MiB. */
      memoryMiB: z.number().int().min(128),
      /** Overlay disk size per VM in GiB. */
      diskGiB: z.number().int().min(1),
    }),
    capacity: z.object({
      /** Booted idle VMs to keep ready with no runner registered. */
      warmPool: z.number().int().min(0),
      /** VMs that may exist at once, warm and busy together. */
      maxVms: z.number().int().min(1),
      /** vCPUs that all VMs together may use. */
      maxVcpus: z.number().int().min(1),
      /** Memory in MiB that all VMs together may use. */
      maxMemoryMiB: z.number().int().min(128),
    }),
    server: z.object({
      /** Listen address of the webhook, metrics and health endpoints, `host:port`. */
      listen: z
        .string()
        .regex(/^(\[[0-9a-fA-F:]+\]|[^:\s]+):\d{1,5}$/)
        .refine((value) => Number(value.slice(value.lastIndexOf(":") + 1)) <= 65535, {
          message: "expected a port from 0 to 65535",
        }),
      /** Largest webhook body accepted, in bytes; GitHub caps payloads at 25 MiB. */
      maxBodyBytes: z.number().int().positive().default(1_048_576),
    }),
    timeouts: z
      .object({
        /** Seconds a booting VM may take before it is destroyed and the boot retried. */
        bootSeconds: z.number().int().positive().default(300),
        /** Boot attempts per job before the controller gives up on it. */
        bootAttempts: z.number().int().positive().default(3),
        /** Seconds a job may run on our runner before its VM is destroyed. */
        jobSeconds: z
          .number()
          .int()
          .positive()
          .default(6 * 3600),
        /** Seconds a registration of ours may exist without a VM before it is deleted. */
        orphanGraceSeconds: z.number().int().nonnegative().default(120),
        /** Seconds any single libvirt or GitHub call may take. */
        callSeconds: z.number().int().positive().default(60),
      })
      .default({
        bootSeconds: 300,
        bootAttempts: 3,
        jobSeconds: 6 * 3600,
        orphanGraceSeconds: 120,
        callSeconds: 60,
      }),
    intervals: z
      .object({
        /** Seconds between polls for queued jobs. */
        pollSeconds: z.number().positive().default(15),
        /** Seconds between reconcile passes. */
        reconcileSeconds: z.number().positive().default(60),
      })
      .default({ pollSeconds: 15, reconcileSeconds: 60 }),
    /** Folder of the SQLite database. */
    stateDir: z.string().min(1).default("/var/lib/trusted-runners"),
  })
  .superRefine((config, ctx) => {
    for (const problem of labelSetProblems(config.github.labels)) {
      ctx.addIssue({ code: "custom", path: ["github", "labels"], message: problem });
    }
    if (config.capacity.warmPool > config.capacity.maxVms) {
      ctx.addIssue({
        code: "custom",
        path: ["capacity", "warmPool"],
        message: `warm pool ${config.capacity.warmPool} exceeds maxVms ${config.capacity.maxVms}; lower warmPool or raise maxVms`,
      });
    }
  });

/** The parsed controller configuration. */
export type ControllerConfig = z.infer<typeof controllerConfigSchema>;

/** The input shape of the configuration file, before defaults are applied. */
export type ControllerConfigInput = z.input<typeof controllerConfigSchema>;

/** Secrets the controller reads from its environment, never from the configuration file. */
export interface ControllerSecrets {
  /** GitHub App private key in PEM form. */
  githubAppPrivateKey: string;
  /** Shared secret for webhook `X-Hub-Signature-256` checks. */
  webhookSecret: string;
}

/** Environment variable names for {@link ControllerSecrets}; the systemd unit sets them. */
export const SECRET_ENV = {
  githubAppPrivateKey: "TR_GITHUB_APP_PRIVATE_KEY",
  webhookSecret: "TR_WEBHOOK_SECRET",
} as const;
