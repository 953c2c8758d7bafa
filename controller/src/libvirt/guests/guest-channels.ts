/**
 * The host side of the guests' JIT channels. The virsh driver uses {@link SocketGuestChannels}
 * for real guests, and simulated guests on libvirt's test driver, where no guest runs.
 */
export interface GuestChannels {
  /** Runs before the domain starts, for example to create the socket's folder. */
  prepare(vmName: string, channelPath: string): Promise<void>;
  /**
   * Resolves at the guest's first `ready` line. Rejects with a BootTimeoutError after `timeoutMs`,
   * or as soon as `signal` aborts.
   */
  waitForReady(
    vmName: string,
    channelPath: string,
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<void>;
  /** Writes one line, which must not contain a newline, to the guest. */
  deliver(vmName: string, channelPath: string, line: string): Promise<void>;
  /** Drops what is kept for a VM that is being destroyed. */
  forget(vmName: string): void;
  /** Ends every connection and simulated guest. */
  close(): Promise<void>;
}
