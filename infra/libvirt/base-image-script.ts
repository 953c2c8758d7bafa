import { renderVolumeXml } from "../../controller/src/libvirt/xml/volume.js";
import { bashScript, shellQuote, writeFileCommand } from "../host/shell.js";

/** Inputs of the base image import script. */
export interface BaseImageScriptSpec {
  uri: string;
  pool: string;
  /** Volume name in the pool. */
  name: string;
  /** `https://` or `file://` URL of the image. */
  url: string;
  /** Lowercase hex sha256 the image file must have. */
  sha256: string;
}

// The volume's capacity is the downloaded file's size, known only on the host, so the XML carries
// this placeholder and the script fills it in.
const CAPACITY_PLACEHOLDER = "TR_CAPACITY_BYTES";

function header(spec: BaseImageScriptSpec): string[] {
  return [
    `uri=${shellQuote(spec.uri)}`,
    `pool=${shellQuote(spec.pool)}`,
    `name=${shellQuote(spec.name)}`,
    'virsh_() { virsh -q -c "$uri" "$@"; }',
  ];
}

/**
 * Renders the idempotent import script. An existing volume whose content has the expected sha256
 * is left alone. Otherwise the script downloads the image to a temporary folder on the host and
 * rejects it unless its sha256 matches. Only then does it delete a volume with other content,
 * create the volume and upload the file into it.
 */
export function renderBaseImageEnsureScript(spec: BaseImageScriptSpec): string {
  // The volume is created raw and exactly as large as the file, so the upload replaces every
  // byte. A qcow2 volume would start as a fresh qcow2 file that a smaller upload leaves partly in
  // place. libvirt detects the uploaded image's own format when it refreshes the pool.
  const xml = renderVolumeXml({
    name: spec.name,
    capacityBytes: CAPACITY_PLACEHOLDER,
    format: "raw",
  });
  return bashScript([
    ...header(spec),
    `url=${shellQuote(spec.url)}`,
    `expected=${shellQuote(spec.sha256)}`,
    'current=""',
    'if virsh_ vol-info --pool "$pool" "$name" >/dev/null 2>&1; then',
    '  current=$(virsh_ vol-download --pool "$pool" "$name" /dev/stdout | sha256sum)',
    "  current=${current%% *}",
    '  if [[ "$current" == "$expected" ]]; then',
    '    echo "volume $name: unchanged"',
    "    exit 0",
    "  fi",
    "fi",
    'work=$(mktemp -d "${TMPDIR:-/var/tmp}/trusted-runners-image.XXXXXX")',
    `trap 'rm -rf "$work"' EXIT`,
    // Bounded: at most 4 attempts of at most one hour each, over https or from a local file only.
    'curl --fail --silent --show-error --location --proto "=https,file" --retry 3 \\',
    '  --max-time 3600 --output "$work/image" "$url"',
    'actual=$(sha256sum "$work/image" | cut -d" " -f1)',
    'if [[ "$actual" != "$expected" ]]; then',
    '  echo "base image $url: sha256 mismatch: expected $expected, actual $actual;" \\',
    '    "check trusted-runners:baseImage.sha256 against the image source" >&2',
    "  exit 1",
    "fi",
    // The old volume goes only after the new image passed its check, so a wrong digest in the
    // config leaves the working base volume in place.
    'if [[ -n "$current" ]]; then',
    '  echo "volume $name: content sha256 $current differs from $expected, importing again"',
    '  virsh_ vol-delete --pool "$pool" "$name" >/dev/null',
    "fi",
    writeFileCommand('"$work/volume.xml"', xml),
    `sed -i "s/${CAPACITY_PLACEHOLDER}/$(stat -c %s "$work/image")/" "$work/volume.xml"`,
    'upload="vol-upload --pool $pool $name $work/image"',
    'virsh_ "vol-create $pool $work/volume.xml; $upload; pool-refresh $pool" >/dev/null',
    'echo "volume $name: imported, sha256 $actual"',
  ]);
}

/** Renders the delete script: deletes the volume; a missing volume or pool is no error. */
export function renderBaseImageDeleteScript(spec: BaseImageScriptSpec): string {
  return bashScript([
    ...header(spec),
    'if ! virsh_ vol-info --pool "$pool" "$name" >/dev/null 2>&1; then',
    '  echo "volume $name: not found, nothing to delete"',
    "  exit 0",
    "fi",
    'virsh_ vol-delete --pool "$pool" "$name" >/dev/null',
    'echo "volume $name: deleted"',
  ]);
}
