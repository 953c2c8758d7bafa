import { z } from "zod";

import { DEFAULT_TRUSTED_LABELS, runnerLabelsSchema } from "../../controller/src/routing/policy.js";

/**
 * The stack configuration under the `trusted-runners:` namespace, one entry per Pulumi config key.
 * Phase rules sit in {@link checkPhaseRules}, so the schema alone only checks each key's shape.
 */

/** Rollout phase of a stack: 0 dark, 1 canary, 2 tuned. */
export const PHASES = ["dark", "canary", "tuned"] as const;
export type Phase = (typeof PHASES)[number];

const githubLogin = z
  .string()
  .regex(/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/, "expected a GitHub login (letters, digits, -)");

const libvirtName = z
  .string()
  .regex(/^[a-z][a-z0-9._-]{0,62}$/, "expected lowercase letters, digits, '.', '_' or '-'");

const ipv4Cidr = z.cidrv4("expected an IPv4 range such as 192.168.150.0/24");
const absolutePath = z.string().regex(/^\/[^\0\n]*$/, "expected an absolute path");

const repositorySchema = z.strictObject({
  /** Repository name without the owner. */
  name: z.string().regex(/^[A-Za-z0-9._-]{1,100}$/, "expected a repository name"),
  /** Numeric repository id, from `gh api repos/OWNER/NAME --jq .id`. */
  id: z.number().int().positive(),
});

const hostSchema = z.discriminatedUnion("connection", [
  /** Pulumi runs on the VM host itself. */
  z.strictObject({ connection: z.literal("local") }),
  /** Pulumi reaches the VM host over SSH with the `sshPrivateKey` secret. */
  z.strictObject({
    connection: z.literal("ssh"),
    address: z.string().min(1),
    port: z.number().int().min(1).max(65535).default(22),
    /** SSH user; any user other than root runs the host's root tasks through `sudo -n`. */
    user: z.string().regex(/^[a-z_][a-z0-9_-]{0,31}$/, "expected a Unix user name"),
    /**
     * The host's public key, as one line of `ssh-keyscan` output without the host name. Required
     * because the scripts send secrets and run root tasks over this connection.
     */
    hostKey: z
      .string()
      .regex(
        /^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)) [A-Za-z0-9+/]+={0,2}$/,
        "expected a public key such as 'ssh-ed25519 AAAA...'",
      ),
  }),
]);

const hostResourcesSchema = z.strictObject({
  /** Host CPUs that runner VMs may use together. */
  vcpus: z.number().int().min(1),
  /** Host memory in MiB that runner VMs may use together, after the host's own needs. */
  memoryMiB: z.number().int().min(256),
  /** Free disk in GiB in the storage pool's file system for overlays. */
  diskGiB: z.number().int().min(1),
});

const networkSchema = z
  .strictObject({
    name: libvirtName.default("tr-runners"),
    /** Linux bridge name, at most 15 characters. */
    bridge: z
      .string()
      .regex(/^[a-z][a-z0-9-]{0,14}$/, "expected at most 15 lowercase letters, digits or '-'")
      .default("virbr-tr"),
    /** Guest subnet; the host takes the first address as the gateway. */
    subnet: ipv4Cidr
      .refine((value) => Number(value.split("/")[1]) >= 8 && Number(value.split("/")[1]) <= 29, {
        message: "expected a prefix from /8 to /29, which leaves room for a gateway and guests",
      })
      .default("192.168.150.0/24"),
    /** nwfilter that guest interfaces reference. */
    filterName: libvirtName.default("tr-runner-guard"),
    /** Extra IPv4 ranges guests must not reach, such as the host's public address as a /32. */
    extraBlockedCidrs: z.array(ipv4Cidr).default([]),
  })
  .default({
    name: "tr-runners",
    bridge: "virbr-tr",
    subnet: "192.168.150.0/24",
    filterName: "tr-runner-guard",
    extraBlockedCidrs: [],
  });

const poolSchema = z
  .strictObject({
    name: libvirtName.default("tr-pool"),
    path: absolutePath.default("/var/lib/trusted-runners/pool"),
  })
  .default({ name: "tr-pool", path: "/var/lib/trusted-runners/pool" });

const baseImageSchema = z.strictObject({
  /** `https://` URL of the image; `file://` for an image already on the host. */
  url: z.url({ protocol: /^(https|file)$/, error: "expected an https:// or file:// URL" }),
  /** Lowercase hex sha256 of the image file. */
  sha256: z.string().regex(/^[0-9a-f]{64}$/, "expected 64 lowercase hexadecimal digits"),
  /** Volume name in the pool. */
  volumeName: libvirtName.default("tr-base.qcow2"),
});

const controllerSchema = z
  .strictObject({
    /** Listen address of the webhook, metrics and health endpoints, `host:port`. */
    listen: z
      .string()
      .regex(/^(\[[0-9a-fA-F:]+\]|[^:\s]+):\d{1,5}$/, "expected host:port")
      .refine((value) => Number(value.slice(value.lastIndexOf(":") + 1)) <= 65535, {
        message: "expected a port from 0 to 65535",
      })
      .default("127.0.0.1:8080"),
    /** Public https URL of the webhook endpoint; absent means no webhook, polling alone. */
    publicUrl: z.url({ protocol: /^https$/, error: "expected an https:// URL" }).optional(),
    /** Prefix of every domain, overlay and runner name the controller creates. */
    namePrefix: z
      .string()
      .regex(/^[a-z][a-z0-9-]{1,15}$/, "expected 2 to 16 lowercase letters, digits or '-'")
      .default("tr-"),
    /** `kvm` when /dev/kvm is usable on the host, `qemu` (TCG, slow) otherwise. */
    domainType: z.enum(["kvm", "qemu"]).default("kvm"),
  })
  .default({ listen: "127.0.0.1:8080", namePrefix: "tr-", domainType: "kvm" });

/**
 * Shape of every non-secret key; key names are the config keys without the namespace. Every
 * object is strict, because a misspelt optional key such as `trustedrouting` would otherwise be
 * dropped without a word and leave its default in force.
 */
export const stackConfigSchema = z.strictObject({
  phase: z.enum(PHASES),
  /** Immediate rollback switch; default true in canary and tuned, false in dark. */
  trustedRouting: z.boolean().optional(),
  /** Hard rollback switch: false removes the repositories from the runner group. */
  repositoryAccess: z.boolean().default(true),
  organization: githubLogin,
  repositories: z.array(repositorySchema).min(1, "expected at least one repository"),
  runnerGroupName: z.string().min(1).max(100).default("trusted-pr"),
  /** Whether public repositories may use the group; set explicitly because it widens trust. */
  allowsPublicRepositories: z.boolean().default(false),
  /** Workflow refs (`owner/repo/.github/workflows/ci.yml@refs/heads/main`) the group accepts. */
  restrictedWorkflows: z.array(z.string().min(1)).optional(),
  /** Labels every trusted job requests; the routing policy's label schema checks them. */
  runnerLabels: runnerLabelsSchema.default([...DEFAULT_TRUSTED_LABELS]),
  githubApiUrl: z.url().default("https://api.github.com"),
  githubAppId: z.number().int().positive(),
  githubAppInstallationId: z.number().int().positive(),
  host: hostSchema,
  hostResources: hostResourcesSchema,
  libvirtUri: z
    .string()
    .regex(/^[a-z0-9+]+:\/\/[^\s']*$/, "expected a libvirt URI")
    .default("qemu:///system"),
  network: networkSchema,
  pool: poolSchema,
  baseImage: baseImageSchema,
  warmPool: z.number().int().min(0),
  maxVms: z.number().int().min(1),
  vcpus: z.number().int().min(1).max(64),
  memoryMiB: z.number().int().min(128),
  diskGiB: z.number().int().min(1),
  controller: controllerSchema,
});

/** Secret keys: checked for presence and shape, wrapped with `pulumi.secret`, never echoed. */
export const SECRET_KEYS = ["githubAppPrivateKey", "webhookSecret", "sshPrivateKey"] as const;
export type SecretKey = (typeof SECRET_KEYS)[number];

/** Parsed non-secret stack settings, defaults applied, phase rules not yet checked. */
export type StackSettings = z.infer<typeof stackConfigSchema>;
