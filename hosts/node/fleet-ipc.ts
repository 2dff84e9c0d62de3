// Messages between the fleet's stack process (hosts/node/fleet.ts) and its unit processes
// (hosts/node/fleet-worker.ts). Times are wall-clock milliseconds (Date.now()), the one clock
// every process shares, so a busy process still puts a connect in the right second.

export interface WorkerInit {
  t: "init";
  /** JSON lines of FactoryIdentity (build/fleet/identities-*.jsonl); this worker runs lines [from, to). */
  identities: string;
  from: number;
  to: number;
  caPem: string;
  discovery: { host: string; port: number };
  store: "memory" | "file";
  /** Parent folder of the units' state folders (store "file"). */
  stateRoot: string;
  mdns: boolean;
  log: boolean;
}

export type ToWorker = WorkerInit | { t: "boot"; i: number } | { t: "stop" };

export interface WorkerBatch {
  t: "batch";
  /** When each MQTT connect was attempted / reached CONNACK. */
  attempts: number[];
  connects: number[];
  /** Changes of the operational count, in order: +1 a unit became operational, -1 one left it. */
  operational: Array<1 | -1>;
  /** Units that went back to unprovisioned since the last batch. */
  unprovisioned: number;
  /** This process's event-loop delay p99 since the last batch, ms. */
  lagP99Ms: number;
}

export interface WorkerFinal {
  t: "final";
  rssGrowth: number;
  heapGrowth: number;
  cpuS: number;
}

export type FromWorker = { t: "ready" } | WorkerBatch | WorkerFinal;
