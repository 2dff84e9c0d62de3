/*
 * The unit's factory data, read from its own read-only NVS partition (modFactoryData.c).
 * Typed by factory-data.d.ts. Key names are those make-factory-csv.mjs writes.
 */

import config from "mc/config";

class FactoryData @ "xs_factory_destructor" {
	constructor(partition, namespace) @ "xs_factory_constructor";
	close() @ "xs_factory_close";
	getString(key) @ "xs_factory_get_string";
	getInteger(key) @ "xs_factory_get_integer";
	getBlob(key) @ "xs_factory_get_blob";
}
Object.freeze(FactoryData.prototype);

const KEYS = Object.freeze({
	deviceId: "device_id",
	activationCode: "activation_code",
	deviceType: "device_type",
	discoveryHost: "disc_host",
	discoveryPort: "disc_port",
	ca: "ca_der",
	clientCertificate: "client_der",
	clientKey: "client_key_der",
});

const DEFAULT_PARTITION = "fctry";
const DEFAULT_NAMESPACE = "mqtt2go";

function readFactoryIdentity(options) {
	const partition = options?.partition ?? config.factory?.partition ?? DEFAULT_PARTITION;
	const namespace = options?.namespace ?? config.factory?.namespace ?? DEFAULT_NAMESPACE;
	const data = new FactoryData(partition, namespace);
	try {
		const missing = [];
		const string = key => {
			const value = data.getString(key);
			if ((undefined === value) || ("" === value))
				missing.push(key);
			return value ?? "";
		};
		const blob = key => {
			const value = data.getBlob(key);
			if ((undefined === value) || (0 === value.byteLength))
				missing.push(key);
			return value ?? new ArrayBuffer(0);
		};
		const identity = {
			deviceId: string(KEYS.deviceId),
			activationCode: string(KEYS.activationCode),
			deviceType: string(KEYS.deviceType),
			discovery: { host: string(KEYS.discoveryHost), port: data.getInteger(KEYS.discoveryPort) ?? 8883 },
			caDer: blob(KEYS.ca),
			clientCertificateDer: blob(KEYS.clientCertificate),
			clientKeyDer: blob(KEYS.clientKey),
		};
		if (missing.length)
			throw new Error(`factory data incomplete, missing: ${missing.join(" ")}`);
		return identity;
	}
	finally {
		data.close();
	}
}

export { FactoryData as default, KEYS, readFactoryIdentity };
