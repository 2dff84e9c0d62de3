// Fake of the SDK's `securesocket` (modules/crypt/ssl/securesocket.js): a socket whose TLS
// handshake state the test sets; close() on a closed socket throws, as the native socket does.
export default class SecureSocket {
  handshaking = true;
  closing: boolean | number = false;
  #closed = false;
  constructor(readonly dictionary: { host: string; port: number; secure?: object }) {}
  messageHandler(_bytesAvailable: number): void {
    this.handshaking = false;
  }
  close(): void {
    if (this.#closed) throw new Error("close on closed socket");
    this.#closed = true;
  }
  get closed(): boolean {
    return this.#closed;
  }
}
