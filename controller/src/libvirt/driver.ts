/**
 * The VM driver boundary between the controller and libvirt. The virsh implementation and the
 * test-driver implementation both pass one contract test suite.
 */

/** Lifecycle state recorded in a domain's metadata element. */
export type VmState = "booting" | "idle" | "assigned" | "running" | "stopping";

/** Metadata the controller stores on each of its domains. */
export interface VmMetadata {
  /** Job the VM serves; null for a warm VM that no job has taken yet. */
  jobId: number | null;
  state: VmState;
  /** ISO 8601 time the VM was created. */
  createdAt: string;
}

/** One of our domains as libvirt reports it. */
export interface VmInfo {
  name: string;
  metadata: VmMetadata;
  /** libvirt's domain state, for example `running` or `shut off`. */
  domainState: string;
}

/** Input of {@link VmDriver.createVm} for one VM. */
export interface VmSpec {
  /** Domain, overlay and runner name; starts with the configured prefix. */
  name: string;
  metadata: VmMetadata;
}

/** Creates, finds, feeds and destroys the controller's VMs. Every method is safe to retry. */
export interface VmDriver {
  /** Lists every domain whose name has our prefix and that carries our metadata. */
  listVms(): Promise<VmInfo[]>;
  /** Lists the overlay volumes in the pool whose names have our prefix. */
  listOverlays(): Promise<string[]>;
  /** Creates the overlay on the base volume, then defines and starts the domain. */
  createVm(spec: VmSpec): Promise<void>;
  /** Replaces the metadata element of an existing domain. */
  setMetadata(name: string, metadata: VmMetadata): Promise<void>;
  /** Resolves once the guest has written `ready` on its channel, or rejects after `timeoutMs`. */
  waitForBoot(name: string, timeoutMs: number): Promise<void>;
  /** Writes the encoded JIT config and one newline to the guest's channel. */
  deliverJitConfig(name: string, encodedJitConfig: string): Promise<void>;
  /** Destroys and undefines the domain and deletes its overlay; parts already gone are skipped. */
  destroyVm(name: string): Promise<void>;
  /** Deletes an overlay volume that has no domain. */
  deleteOverlay(name: string): Promise<void>;
  /** Ends the driver's connections and child processes. */
  close(): Promise<void>;
}
