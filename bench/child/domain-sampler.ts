import { setTimeout as sleep } from "node:timers/promises";

import type { VmDriver } from "../../controller/src/libvirt/driver.js";

/** Peak and mean of the domains libvirt listed while sampling. */
export interface SampleSummary {
  samples: number;
  peakDomains: number;
  meanDomains: number;
  peakTrackedVms: number;
}

/**
 * Samples libvirt's own domain list through the driver's connection (the test driver's state
 * exists only inside that connection), and the controller's VM rows beside it, in a loop bounded
 * by `maxMs`.
 */
export class DomainSampler {
  private loop: Promise<void> | null = null;
  private stopRequested = false;
  private summary: SampleSummary = {
    samples: 0,
    peakDomains: 0,
    meanDomains: 0,
    peakTrackedVms: 0,
  };

  constructor(
    private readonly driver: VmDriver,
    private readonly trackedVms: () => number,
  ) {}

  start(intervalMs: number, maxMs: number): void {
    if (this.loop !== null) return;
    this.stopRequested = false;
    this.summary = { samples: 0, peakDomains: 0, meanDomains: 0, peakTrackedVms: 0 };
    this.loop = this.run(intervalMs, Date.now() + maxMs);
  }

  async stop(): Promise<SampleSummary> {
    this.stopRequested = true;
    await this.loop;
    this.loop = null;
    return this.summary;
  }

  private async run(intervalMs: number, deadline: number): Promise<void> {
    let total = 0;
    while (!this.stopRequested && Date.now() < deadline) {
      const tracked = this.trackedVms();
      const domains = (await this.driver.listVms().catch(() => null))?.length;
      if (domains !== undefined) {
        const summary = this.summary;
        summary.samples += 1;
        total += domains;
        summary.peakDomains = Math.max(summary.peakDomains, domains);
        summary.meanDomains = total / summary.samples;
      }
      this.summary.peakTrackedVms = Math.max(
        this.summary.peakTrackedVms,
        tracked,
        this.trackedVms(),
      );
      await sleep(intervalMs);
    }
  }
}
