// Fake of the SDK's `mdns` (modules/network/mdns/mdns.js), faithful where the adapter depends on it:
// - extends Socket (one UDP multicast socket per instance);
// - monitor(service, cb): a monitor per service (".local" appended) whose task queries at 1 ms,
//   then after 1 s, 2 s, 4 s (states 0..3), then every 30 min, each on a one-shot timer;
// - remove(name, cb): throws "callback not found" when cb is not one of the monitor's callbacks;
//   removing the last callback clears the monitor's timer and drops the monitor;
// - close(): removes every monitor *without* a callback (so it throws while a monitor exists,
//   before the socket is closed and before the probe timer is cleared), then closes the socket.
// Instances reach callbacks only with name, txt, target and address, as scanPacket requires.
import DNS from "./dns";
import Serializer from "./dns/serializer";
import { Socket } from "./socket";
import Timer, { type FakeTimer } from "./timer";

export interface Instance { name: string; target?: string; address?: string; port?: number; txt?: string[] }
type Callback = (service: string, instance: Instance) => void;
interface Monitor { service: string; state: number; callbacks: Callback[]; timer: FakeTimer | undefined; instances: Instance[]; closed?: boolean }

const all: MDNS[] = [];

export default class MDNS extends Socket {
  static readonly IP = "224.0.0.251";
  static readonly PORT = 5353;
  readonly monitors: Monitor[] = [];
  queries = 0;
  constructor(dictionary: { hostName?: string } = {}, _callback?: unknown) {
    super({ kind: "UDP", port: MDNS.PORT, multicast: MDNS.IP });
    if (dictionary.hostName) throw new Error("fake mdns: probing a host name is not modelled");
    all.push(this);
  }
  override close(): void {
    while (this.monitors.length) {
      const m = this.monitors[0];
      this.remove(m.service.slice(0, -6));
    }
    super.close();
  }
  remove(service: string, callback?: Callback): void {
    const index = this.monitors.findIndex((m) => m.service === `${service}.local`);
    if (index < 0) return;
    const m = this.monitors[index];
    const at = m.callbacks.findIndex((c) => c === callback);
    if (at < 0) throw new Error("callback not found");
    m.callbacks.splice(at, 1);
    if (m.callbacks.length === 0) {
      m.closed = true;
      Timer.clear(m.timer);
      this.monitors.splice(index, 1);
    }
  }
  monitor(service: string, callback: Callback): void {
    const name = `${service}.local`;
    const existing = this.monitors.find((m) => m.service === name);
    if (existing) {
      if (existing.callbacks.includes(callback)) throw new Error("redundant");
      existing.callbacks.push(callback);
      return;
    }
    const m: Monitor = { service: name, state: 0, callbacks: [callback], timer: undefined, instances: [] };
    m.timer = Timer.set(() => this.task(m), 1);
    this.monitors.push(m);
  }
  private task(m: Monitor): void {
    const q = new Serializer({ query: true, opcode: DNS.OPCODE.QUERY });
    q.add(DNS.SECTION.QUESTION, m.service, DNS.RR.PTR, DNS.CLASS.IN);
    try {
      this.write(MDNS.IP, MDNS.PORT, q.build());
    } catch {
      m.timer = Timer.set(() => this.task(m), 10_000);
      return;
    }
    if (m.state < 3) {
      m.timer = Timer.set(() => this.task(m), 2 ** m.state * 1000);
      m.state += 1;
    } else m.timer = Timer.set(() => this.task(m), 30 * 60 * 1000);
  }
  /** Test side: the network answered; callbacks run as scanPacket runs them (errors swallowed). */
  answer(service: string, instance: Instance): void {
    const m = this.monitors.find((x) => x.service === `${service}.local`);
    if (!m || m.closed) return;
    m.instances.push(instance);
    if (!(instance.name && instance.txt && instance.target && instance.address)) return;
    for (const cb of m.callbacks.slice()) {
      if (!m.callbacks.includes(cb)) continue;
      try {
        cb.call(this, service, instance);
      } catch {
        // the SDK swallows a throwing callback
      }
    }
  }
}

export function mdnsInstances(): MDNS[] {
  return all;
}

export function resetMdns(): void {
  all.length = 0;
}
