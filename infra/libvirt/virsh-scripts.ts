import { bashScript, shellQuote, writeFileCommand } from "../host/shell.js";

/** The virsh verbs for one kind of persistent libvirt object. */
interface ObjectVerbs {
  noun: string;
  /** Succeeds when the object exists. */
  info: string;
  define: string;
  /** Prints the persistent definition, which a define changes and a start does not. */
  dumpInactive: string;
  undefine: string;
  /** Verbs for objects that are started; absent for nwfilters, which are always in force. */
  lifecycle?: { build?: string; start: string; stop: string; autostart: string };
}

const VERBS = {
  network: {
    noun: "network",
    info: "net-info",
    define: "net-define",
    dumpInactive: "net-dumpxml --inactive",
    undefine: "net-undefine",
    lifecycle: { start: "net-start", stop: "net-destroy", autostart: "net-autostart" },
  },
  pool: {
    noun: "pool",
    info: "pool-info",
    define: "pool-define",
    dumpInactive: "pool-dumpxml --inactive",
    undefine: "pool-undefine",
    lifecycle: {
      build: "pool-build",
      start: "pool-start",
      stop: "pool-destroy",
      autostart: "pool-autostart",
    },
  },
  nwfilter: {
    noun: "nwfilter",
    info: "nwfilter-dumpxml",
    define: "nwfilter-define",
    dumpInactive: "nwfilter-dumpxml",
    undefine: "nwfilter-undefine",
  },
} satisfies Record<string, ObjectVerbs>;

/** Kinds of persistent libvirt object the host scripts manage. */
export type ObjectKind = keyof typeof VERBS;

/** One libvirt object as the scripts see it. */
export interface ObjectScriptSpec {
  kind: ObjectKind;
  /** libvirt connection URI on the host, for example `qemu:///system`. */
  uri: string;
  name: string;
  /** Definition rendered by the XML module. */
  xml: string;
}

function header(spec: Omit<ObjectScriptSpec, "xml">): string[] {
  const verbs: ObjectVerbs = VERBS[spec.kind];
  return [
    `uri=${shellQuote(spec.uri)}`,
    `name=${shellQuote(spec.name)}`,
    'virsh_() { virsh -q -c "$uri" "$@"; }',
    // Reads the info into a variable first: grep -q in a pipe could end virsh with SIGPIPE.
    "is_active() {",
    `  local info; info=$(virsh_ ${verbs.info} "$name")`,
    '  [[ "$info" =~ (Active|State):[[:space:]]+(yes|running) ]]',
    "}",
  ];
}

/**
 * Renders the idempotent create-or-update script. A missing object is defined, built, started and
 * marked autostart in one virsh process, which is also what lets the script run against libvirt's
 * test driver, whose state lasts one connection. An existing object is defined again, and its
 * persistent XML is compared before and after. Equal XML means nothing changed. Different XML
 * means it was redefined, so a started network or pool is restarted for the change to apply.
 */
export function renderEnsureScript(spec: ObjectScriptSpec): string {
  const verbs: ObjectVerbs = VERBS[spec.kind];
  const life = verbs.lifecycle;

  const createBatch = [`${verbs.define} $xml_file`];
  if (life !== undefined) {
    if (life.build !== undefined) {
      createBatch.push(`${life.build} $name`);
    }
    createBatch.push(`${life.start} $name`, `${life.autostart} $name`);
  }

  const restart =
    life === undefined
      ? []
      : ["  if is_active; then", `    virsh_ ${life.stop} "$name" >/dev/null`, "  fi"];
  const ensureStarted =
    life === undefined
      ? []
      : [
          "if ! is_active; then",
          `  virsh_ ${life.start} "$name" >/dev/null`,
          "fi",
          `virsh_ ${life.autostart} "$name" >/dev/null`,
        ];

  return bashScript([
    ...header(spec),
    "xml_file=$(mktemp)",
    `trap 'rm -f "$xml_file"' EXIT`,
    writeFileCommand('"$xml_file"', spec.xml),
    `if ! virsh_ ${verbs.info} "$name" >/dev/null 2>&1; then`,
    // The names come from validated config (no quotes or spaces), so they are safe inside the
    // one-argument virsh batch.
    `  virsh_ "${createBatch.join("; ")}" >/dev/null`,
    `  echo "${verbs.noun} $name: defined"`,
    "  exit 0",
    "fi",
    // A pool's definition includes its current usage in bytes, which is no change of ours.
    "dump() {",
    `  virsh_ ${verbs.dumpInactive} "$name" | grep -Ev '<(capacity|allocation|available) unit='`,
    "}",
    "before=$(dump)",
    `virsh_ ${verbs.define} "$xml_file" >/dev/null`,
    "after=$(dump)",
    'if [[ "$before" == "$after" ]]; then',
    `  echo "${verbs.noun} $name: unchanged"`,
    "else",
    ...restart,
    `  echo "${verbs.noun} $name: redefined"`,
    "fi",
    ...ensureStarted,
  ]);
}

/** Renders the delete script: stops and undefines the object; a missing object is no error. */
export function renderDeleteScript(spec: Omit<ObjectScriptSpec, "xml">): string {
  const verbs: ObjectVerbs = VERBS[spec.kind];
  const life = verbs.lifecycle;
  // Stop and undefine run in one virsh process, so on the test driver both act on one state.
  const remove =
    life === undefined
      ? [`virsh_ ${verbs.undefine} "$name" >/dev/null`]
      : [
          "if is_active; then",
          `  virsh_ "${life.stop} $name; ${verbs.undefine} $name" >/dev/null`,
          "else",
          `  virsh_ ${verbs.undefine} "$name" >/dev/null`,
          "fi",
        ];
  return bashScript([
    ...header(spec),
    `if ! virsh_ ${verbs.info} "$name" >/dev/null 2>&1; then`,
    `  echo "${verbs.noun} $name: not found, nothing to delete"`,
    "  exit 0",
    "fi",
    ...remove,
    `echo "${verbs.noun} $name: deleted"`,
  ]);
}
