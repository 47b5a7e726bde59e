/**
 * Process figures for the `cpu` and `jvm` indicators, sampled in the background instead of on the
 * request path. `process.memoryUsage()` and `os.cpus()` read `/proc`, and those reads stall while worker
 * threads are created or torn down (measured by bench: up to 18 ms, 336 ms under load), which kept the
 * Arklet `health` p99 above its 20 ms budget during installs (docs/benchmarks.md). Figures are at most
 * one refresh period old, which is fine for what reads them (ModuleController polls every 15 s).
 */
import { cpus, type CpuInfo } from 'node:os';

/** A snapshot of the figures. */
export interface ProcessSample {
  memory: NodeJS.MemoryUsage;
  cpus: CpuInfo[];
  /** Epoch ms of the sample. */
  at: number;
}

/** Samples on a timer (unref'd: it never keeps the process alive). */
export class ProcessSampler {
  private sample: ProcessSample;
  private readonly timer: NodeJS.Timeout;

  constructor(periodMs = 1000) {
    this.sample = take();
    this.timer = setInterval(() => {
      this.sample = take();
    }, periodMs);
    this.timer.unref();
  }

  /** The latest sample (never reads /proc itself). */
  get latest(): ProcessSample {
    return this.sample;
  }

  /** Stops sampling. */
  stop(): void {
    clearInterval(this.timer);
  }
}

function take(): ProcessSample {
  return { memory: process.memoryUsage(), cpus: cpus(), at: Date.now() };
}
