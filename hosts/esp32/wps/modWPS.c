/*
 * WPS push-button (PBC) enrollee for the Moddable SDK on ESP32 (ESP-IDF v6.0).
 *
 * One run at a time (the ESP-IDF WPS state machine is global). ESP-IDF reports the outcome as
 * WIFI_EVENT_STA_WPS_ER_* events on its event task; this module never touches XS there: the
 * handler copies what it needs into a message posted to the XS task (modMessagePostToMachine),
 * like the Moddable Wi-Fi module does. The walk-time timer is a modTimer, which fires on the
 * XS task too. Every exit path (success, failure, timeout, overlap, close(), garbage
 * collection) disables WPS, removes the timer and unregisters the event handler.
 *
 * The callback gets (status, ssid, password, detail):
 *   status   "ok" | "timeout" | "failed" | "overlap"
 *   ssid, password   strings when status is "ok", else undefined
 *   detail   "ok": number of credentials the registrar sent (the first one is used);
 *            "failed": wifi_event_sta_wps_fail_reason_t, or -1 when a credential was not UTF-8
 *
 * Include paths are relative to $(IDF_PATH)/components where the component's include folder is
 * not on the Moddable ESP32 include list (same idiom as modules/files/preference/esp32).
 */

#include "xsmc.h"
#include "xsHost.h"
#include "modTimer.h"

#include "esp_err.h"
#include "esp_event.h"
#include "esp_wifi.h"
#include "wpa_supplicant/esp_supplicant/include/esp_wps.h"

#define kWPSMinTimeoutMS (1000)
#define kWPSMaxTimeoutMS (600000)
#define kWPSRestartMarginMS (2000)		// restart ESP-IDF's own 120 s walk only if at least this much of ours is left
#define kWPSDetailNotUTF8 (-1)

typedef struct {
	xsMachine *the;
	xsSlot obj;				// the host object, remembered while running so the callback always comes
	xsSlot callback;
	modTimer timer;
	esp_event_handler_instance_t instance;
	uint32_t session;
	uint32_t deadline;		// modMilliseconds() when the requested walk time ends
	uint8_t running;
	uint8_t connect;
	char deviceName[WPS_MAX_DEVICE_NAME_LEN];
} WPSRecord;

typedef struct {
	uint32_t session;
	int32_t event;
	int32_t detail;
	char ssid[MAX_SSID_LEN + 1];
	char password[MAX_PASSPHRASE_LEN + 1];
} WPSMessage;

void xs_wps_destructor(void *data);

static WPSRecord *gWPS;						// the running record (XS task only)
static xsMachine *volatile gWPSMachine;		// read by the event handler: where to post, NULL when idle
static volatile uint32_t gWPSSession;		// read by the event handler: tags messages of the current run
static uint32_t gWPSSessionCounter;

static void copyField(char *to, const uint8_t *from, size_t size)
{
	size_t i;

	for (i = 0; (i < size) && from[i]; i++)
		to[i] = (char)from[i];
	to[i] = 0;
}

static uint8_t isUTF8(const char *s)
{
	const uint8_t *p = (const uint8_t *)s;

	while (*p) {
		uint8_t c = *p++;
		int follow;

		if (c < 0x80)
			continue;
		if ((c & 0xE0) == 0xC0)
			follow = 1;
		else if ((c & 0xF0) == 0xE0)
			follow = 2;
		else if ((c & 0xF8) == 0xF0)
			follow = 3;
		else
			return 0;
		while (follow--) {
			if ((*p++ & 0xC0) != 0x80)
				return 0;
		}
	}
	return 1;
}

static void wpsDeliver(void *the, void *refcon, uint8_t *message, uint16_t messageLength);

// ESP-IDF event task: no XS calls here.
static void wpsEventHandler(void *arg, esp_event_base_t base, int32_t id, void *data)
{
	WPSMessage msg;
	xsMachine *the = gWPSMachine;

	(void)arg;
	(void)base;
	if (!the)
		return;
	if ((WIFI_EVENT_STA_WPS_ER_SUCCESS != id) && (WIFI_EVENT_STA_WPS_ER_FAILED != id) &&
		(WIFI_EVENT_STA_WPS_ER_TIMEOUT != id) && (WIFI_EVENT_STA_WPS_ER_PBC_OVERLAP != id))
		return;

	c_memset(&msg, 0, sizeof(msg));
	msg.session = gWPSSession;
	msg.event = id;

	if (WIFI_EVENT_STA_WPS_ER_SUCCESS == id) {
		const wifi_event_sta_wps_er_success_t *success = data;

		if (success && success->ap_cred_cnt) {
			copyField(msg.ssid, success->ap_cred[0].ssid, MAX_SSID_LEN);
			copyField(msg.password, success->ap_cred[0].passphrase, MAX_PASSPHRASE_LEN);
			msg.detail = success->ap_cred_cnt;
		}
		else {
			// a single credential comes without event data: ESP-IDF has already put it in the station config
			wifi_config_t config;

			c_memset(&config, 0, sizeof(config));
			if (ESP_OK == esp_wifi_get_config(WIFI_IF_STA, &config)) {
				copyField(msg.ssid, config.sta.ssid, sizeof(config.sta.ssid));
				copyField(msg.password, config.sta.password, sizeof(config.sta.password));
			}
			c_memset(&config, 0, sizeof(config));
			msg.detail = 1;
		}
	}
	else if ((WIFI_EVENT_STA_WPS_ER_FAILED == id) && data)
		msg.detail = (int32_t)*(const wifi_event_sta_wps_fail_reason_t *)data;

	// if the post fails the walk-time timer still ends the run with "timeout"
	modMessagePostToMachine(the, (uint8_t *)&msg, sizeof(msg), wpsDeliver, NULL);
	c_memset(&msg, 0, sizeof(msg));
}

static esp_err_t wpsEnableAndStart(WPSRecord *wps)
{
	esp_wps_config_t config = WPS_CONFIG_INIT_DEFAULT(WPS_TYPE_PBC);
	esp_err_t err;

	if (wps->deviceName[0])
		c_memcpy(config.factory_info.device_name, wps->deviceName, sizeof(config.factory_info.device_name));

	esp_wifi_wps_disable();		// ESP_OK when not enabled; clears what a previous walk left
	err = esp_wifi_wps_enable(&config);
	if (ESP_OK != err)
		return err;
	err = esp_wifi_wps_start();
	if (ESP_OK != err)
		esp_wifi_wps_disable();
	return err;
}

// Stops everything a run holds except the XS references (see wpsFinish, xs_wps_close).
static void wpsStop(WPSRecord *wps)
{
	wps->running = 0;
	gWPSMachine = NULL;
	if (gWPS == wps)
		gWPS = NULL;
	if (wps->timer) {
		modTimerRemove(wps->timer);
		wps->timer = NULL;
	}
	esp_wifi_wps_disable();
	if (wps->instance) {
		esp_event_handler_instance_unregister(WIFI_EVENT, ESP_EVENT_ANY_ID, wps->instance);
		wps->instance = NULL;
	}
}

static void wpsConnect(const char *ssid, const char *password)
{
	wifi_config_t config;

	c_memset(&config, 0, sizeof(config));
	c_memcpy(config.sta.ssid, ssid, c_strlen(ssid));
	c_memcpy(config.sta.password, password, c_strlen(password));
	config.sta.scan_method = WIFI_ALL_CHANNEL_SCAN;
	config.sta.sort_method = WIFI_CONNECT_AP_BY_SIGNAL;
	if (ESP_OK == esp_wifi_set_config(WIFI_IF_STA, &config))
		esp_wifi_connect();
	c_memset(&config, 0, sizeof(config));
}

static void wpsFinish(xsMachine *the, WPSRecord *wps, const char *status, const char *ssid, const char *password, int32_t detail)
{
	wpsStop(wps);

	if (ssid && wps->connect)
		wpsConnect(ssid, password);

	xsBeginHost(the);
		xsmcVars(6);
		xsVar(0) = wps->callback;
		xsVar(1) = wps->obj;
		xsForget(wps->callback);
		xsForget(wps->obj);
		xsmcSetString(xsVar(2), (char *)status);
		if (ssid) {
			xsmcSetString(xsVar(3), (char *)ssid);
			xsmcSetString(xsVar(4), (char *)password);
		}
		xsmcSetInteger(xsVar(5), detail);
		xsCallFunction4(xsVar(0), xsVar(1), xsVar(2), xsVar(3), xsVar(4), xsVar(5));
	xsEndHost(the);
}

// XS task.
static void wpsDeliver(void *the, void *refcon, uint8_t *message, uint16_t messageLength)
{
	WPSMessage *msg = (WPSMessage *)message;
	WPSRecord *wps = gWPS;

	(void)refcon;
	if (!msg || (messageLength != sizeof(WPSMessage)))
		return;
	if (!wps || !wps->running || (wps->the != the) || (msg->session != wps->session))
		goto done;

	switch (msg->event) {
		case WIFI_EVENT_STA_WPS_ER_SUCCESS:
			if (isUTF8(msg->ssid) && isUTF8(msg->password))
				wpsFinish(the, wps, "ok", msg->ssid, msg->password, msg->detail);
			else
				wpsFinish(the, wps, "failed", NULL, NULL, kWPSDetailNotUTF8);
			break;
		case WIFI_EVENT_STA_WPS_ER_TIMEOUT: {
			// ESP-IDF gives up after its own 120 s walk time; honour a longer requested time
			int32_t remaining = (int32_t)(wps->deadline - modMilliseconds());
			if ((remaining > kWPSRestartMarginMS) && (ESP_OK == wpsEnableAndStart(wps)))
				break;
			wpsFinish(the, wps, "timeout", NULL, NULL, 0);
			} break;
		case WIFI_EVENT_STA_WPS_ER_PBC_OVERLAP:
			wpsFinish(the, wps, "overlap", NULL, NULL, 0);
			break;
		default:
			wpsFinish(the, wps, "failed", NULL, NULL, msg->detail);
			break;
	}

done:
	c_memset(message, 0, messageLength);		// scrub the passphrase copy before the message buffer is freed
}

// XS task; a one-shot modTimer is removed by the timer service after this returns.
static void wpsTimerFired(modTimer timer, void *refcon, int refconSize)
{
	WPSRecord *wps = *(WPSRecord **)refcon;

	(void)timer;
	(void)refconSize;
	if ((wps != gWPS) || !wps->running)
		return;
	wps->timer = NULL;
	wpsFinish(wps->the, wps, "timeout", NULL, NULL, 0);
}

void xs_wps_destructor(void *data)
{
	WPSRecord *wps = data;

	if (!wps)
		return;
	if (wps->running)
		wpsStop(wps);		// only at machine teardown: a running record is remembered, so not collectable
	c_free(wps);
}

// new NativeWPS(callback, timeoutMs, connect, deviceName)
void xs_wps_constructor(xsMachine *the)
{
	int argc = xsmcArgc;
	WPSRecord *wps;
	wifi_mode_t mode;
	char deviceName[WPS_MAX_DEVICE_NAME_LEN];
	int timeout;
	esp_err_t err;

	if ((argc < 2) || !xsmcIsCallable(xsArg(0)))
		xsTypeError("callback required");
	timeout = xsmcToInteger(xsArg(1));
	if ((timeout < kWPSMinTimeoutMS) || (timeout > kWPSMaxTimeoutMS))
		xsRangeError("invalid timeout");
	deviceName[0] = 0;
	if ((argc > 3) && xsmcTest(xsArg(3)))
		xsmcToStringBuffer(xsArg(3), deviceName, sizeof(deviceName));		// RangeError when longer than 32 bytes

	if (gWPS)
		xsUnknownError("WPS already running");
	if (ESP_OK != esp_wifi_get_mode(&mode))
		xsUnknownError("Wi-Fi not initialized");
	if ((WIFI_MODE_STA != mode) && (WIFI_MODE_APSTA != mode))
		xsUnknownError("Wi-Fi station mode required");

	wps = c_calloc(1, sizeof(WPSRecord));
	if (!wps)
		xsUnknownError("out of memory");
	wps->the = the;
	wps->connect = (argc > 2) && xsmcTest(xsArg(2));
	c_memcpy(wps->deviceName, deviceName, sizeof(deviceName));
	wps->session = ++gWPSSessionCounter;

	gWPSSession = wps->session;
	gWPSMachine = the;
	err = esp_event_handler_instance_register(WIFI_EVENT, ESP_EVENT_ANY_ID, wpsEventHandler, NULL, &wps->instance);
	if (ESP_OK == err)
		err = wpsEnableAndStart(wps);
	if (ESP_OK == err) {
		wps->timer = modTimerAdd(timeout, 0, wpsTimerFired, &wps, sizeof(wps));
		if (!wps->timer)
			err = ESP_ERR_NO_MEM;
	}
	if (ESP_OK != err) {
		wpsStop(wps);
		c_free(wps);
		xsUnknownError("WPS start failed: %s", esp_err_to_name(err));
	}

	// ESP-IDF events are only delivered after this function returns (they are queued for this task)
	wps->deadline = modMilliseconds() + (uint32_t)timeout;
	wps->running = 1;
	gWPS = wps;
	xsmcSetHostData(xsThis, wps);
	wps->obj = xsThis;
	xsRemember(wps->obj);
	wps->callback = xsArg(0);
	xsRemember(wps->callback);
}

// Stops a running walk without calling the callback. Safe to call more than once.
void xs_wps_close(xsMachine *the)
{
	WPSRecord *wps = xsmcGetHostDataValidate(xsThis, xs_wps_destructor);

	if (!wps)
		return;
	if (wps->running) {
		wpsStop(wps);
		xsForget(wps->callback);
		xsForget(wps->obj);
	}
	xsmcSetHostData(xsThis, NULL);
	c_free(wps);
}
