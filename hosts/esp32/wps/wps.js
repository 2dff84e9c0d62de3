/*
 * WPS push-button (PBC) for ESP32: the JS side of modWPS.c. Typed by wps.d.ts.
 *
 *   const wps = new WPS({ timeout: 120_000, onResult(result) { ... } });
 *   wps.close();	// stop early; onResult is then not called
 *
 * onResult is called exactly once unless close() comes first. WPS drives the station
 * interface, so this puts Wi-Fi in station mode and drops the Moddable Wi-Fi module's current
 * network first (its reconnect logic would otherwise fight the WPS exchange).
 */

import WiFi from "wifi";

class NativeWPS @ "xs_wps_destructor" {
	constructor(callback, timeout, connect, deviceName) @ "xs_wps_constructor";
	close() @ "xs_wps_close";
}
Object.freeze(NativeWPS.prototype);

const DEFAULT_TIMEOUT = 120_000;

class WPS {
	#native;

	constructor(options) {
		const onResult = options?.onResult;
		if (typeof onResult !== "function")
			throw new TypeError("onResult required");
		const timeout = options.timeout ?? DEFAULT_TIMEOUT;
		if (!Number.isInteger(timeout) || (timeout < 1000) || (timeout > 600_000))
			throw new RangeError("timeout must be 1000..600000 ms");

		const mode = WiFi.mode;
		if ((mode !== 1) && (mode !== 3))
			WiFi.mode = 1;
		WiFi.disconnect();

		this.#native = new NativeWPS((status, ssid, password, detail) => {
			this.#native = undefined;		// the native side has already cleaned up
			if ("ok" === status)
				onResult({ ok: true, ssid, password, credentials: detail });
			else if ("failed" === status)
				onResult({ ok: false, reason: "failed", detail });
			else
				onResult({ ok: false, reason: status });
		}, timeout, true === options.connect, options.deviceName ?? "");
	}
	get running() {
		return undefined !== this.#native;
	}
	close() {
		this.#native?.close();
		this.#native = undefined;
	}
}
Object.freeze(WPS.prototype);

export default WPS;
