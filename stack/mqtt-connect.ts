// `mqtt`'s connectAsync never settles when the server closes the connection before CONNACK
// without an error (Node's TLS server does that when it rejects a client certificate under
// TLS 1.3), so this wrapper also rejects on close. No reconnects: callers decide.

import { connect, type IClientOptions, type MqttClient } from "mqtt";

export function connectMqtt(options: IClientOptions): Promise<MqttClient> {
  return new Promise((resolve, reject) => {
    const client = connect({ ...options, reconnectPeriod: 0 });
    const fail = (err: Error): void => {
      client.removeListener("connect", ok);
      client.end(true);
      reject(err);
    };
    const onError = (err: Error): void => fail(err);
    const onClose = (): void => fail(new Error("connection closed before CONNACK (TLS or authentication refused)"));
    const ok = (): void => {
      client.removeListener("error", onError);
      client.removeListener("close", onClose);
      resolve(client);
    };
    client.once("connect", ok);
    client.once("error", onError);
    client.once("close", onClose);
  });
}
