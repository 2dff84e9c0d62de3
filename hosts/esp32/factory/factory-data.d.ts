// Types of the ESP32 factory-data module (hosts/esp32/factory/factory-data.js + modFactoryData.c).

declare module "factory-data" {
  /** Read-only view of one namespace of an NVS partition. Keys are at most 15 bytes (NVS). */
  export default class FactoryData {
    /** nvs_flash_init_partition + nvs_open_from_partition(…, NVS_READONLY). Throws when missing. */
    constructor(partition: string, namespace: string);
    /** Closes the handle; the partition is deinitialised when the last reader closes. Idempotent. */
    close(): void;
    getString(key: string): string | undefined;
    /** u16, i32, u32 or u8 entries. */
    getInteger(key: string): number | undefined;
    getBlob(key: string): ArrayBuffer | undefined;
  }

  /** NVS key names, as written by make-factory-csv.mjs. */
  export const KEYS: {
    readonly deviceId: "device_id";
    readonly activationCode: "activation_code";
    readonly deviceType: "device_type";
    readonly discoveryHost: "disc_host";
    readonly discoveryPort: "disc_port";
    readonly ca: "ca_der";
    readonly clientCertificate: "client_der";
    readonly clientKey: "client_key_der";
  };

  /** Everything a unit carries from the factory (PROTOCOL §1). Same shape as the core's FactoryIdentity, plus the DER blobs. */
  export interface FactoryRecord {
    deviceId: string;
    activationCode: string;
    deviceType: string;
    discovery: { host: string; port: number };
    /** Factory CA certificate (DER): the only trust anchor. */
    caDer: ArrayBuffer;
    /** Factory client certificate (DER). */
    clientCertificateDer: ArrayBuffer;
    /** Factory client private key (PKCS#8 DER). */
    clientKeyDer: ArrayBuffer;
  }

  /**
   * Reads the whole record and closes the partition again. Partition and namespace default to
   * `config.factory.partition` / `config.factory.namespace`, else "fctry" / "mqtt2go".
   * Throws listing the missing keys when the record is incomplete; the port defaults to 8883.
   */
  export function readFactoryIdentity(options?: { partition?: string; namespace?: string }): FactoryRecord;
}
