// Fake of the SDK's `socket` (modules/network/socket): counts open sockets (lwIP has a fixed
// number of UDP pcbs), records writes, and throws like the SDK on close/write of a closed socket.
export interface Written { address: string; port: number; data: ArrayBuffer }

let open = 0;
let opened = 0;

export class Socket {
  #closed = false;
  readonly writes: Written[] = [];
  constructor(readonly dictionary: Record<string, unknown>) {
    open++;
    opened++;
  }
  close(): void {
    if (this.#closed) throw new Error("close on closed socket");
    this.#closed = true;
    open--;
  }
  write(address: string, port: number, data: ArrayBuffer): void {
    if (this.#closed) throw new Error("write on closed socket");
    this.writes.push({ address, port, data });
  }
  get closed(): boolean {
    return this.#closed;
  }
}

export function openSockets(): number {
  return open;
}

export function socketsOpened(): number {
  return opened;
}

export function resetSockets(): void {
  open = 0;
  opened = 0;
}
