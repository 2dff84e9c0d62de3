// Fake of the SDK's `net` (modules/network/net): Net.resolve answers on a later timer turn from
// a table set by the test (an unknown name gets an undefined address, as lwIP reports it).
import Timer from "./timer";

const table = new Map<string, string>();
let resolves = 0;

const Net = {
  get(what: string): string | undefined {
    return what === "IP" ? "192.168.1.50" : undefined;
  },
  resolve(name: string, callback: (name: string, address?: string) => void): void {
    resolves++;
    const address = table.get(name.toLowerCase());
    Timer.set(() => callback(name, address), 50);
  },
};
export default Net;

export function setResolve(name: string, address: string | undefined): void {
  if (address === undefined) table.delete(name.toLowerCase());
  else table.set(name.toLowerCase(), address);
}

export function resolveCalls(): number {
  return resolves;
}

export function resetNet(): void {
  table.clear();
  resolves = 0;
}
