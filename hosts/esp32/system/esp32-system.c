/*
 * Restart, heap figures and build time for the ESP32 host (project code): the SDK's classic modules offer
 * neither without the ECMA-419 io stack.
 */
#include "xsmc.h"
#include "esp_system.h"
#include "esp_app_desc.h"
#include <stdio.h>
#include <string.h>

void xs_esp32_restart(xsMachine *the)
{
	(void)the;
	esp_restart();
}

void xs_esp32_free_heap(xsMachine *the)
{
	xsmcSetInteger(xsResult, (xsIntegerValue)esp_get_free_heap_size());
}

void xs_esp32_min_free_heap(xsMachine *the)
{
	xsmcSetInteger(xsResult, (xsIntegerValue)esp_get_minimum_free_heap_size());
}

/*
 * The app's build time (esp_app_desc_t date/time, the compiler's __DATE__ "Nov 30 2026" and
 * __TIME__ "16:40:00") in Unix seconds minus one day, or 0 when absent: the floor of the wall
 * clock (PROTOCOL §9). The day absorbs the build machine's time zone (__DATE__ is local time).
 */
void xs_esp32_build_time(xsMachine *the)
{
	static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	const esp_app_desc_t *d = esp_app_get_description();
	char mon[4] = {0};
	int day = 0, year = 0, hh = 0, mm = 0, ss = 0;
	xsmcSetInteger(xsResult, 0);
	if (!d || sscanf(d->date, "%3s %d %d", mon, &day, &year) != 3 || sscanf(d->time, "%d:%d:%d", &hh, &mm, &ss) != 3)
		return;
	const char *m = strstr(months, mon);
	if (!m || ((m - months) % 3) || year < 2024 || year > 2037 || day < 1 || day > 31)
		return;
	int month = (int)(m - months) / 3 + 1;
	/* days from civil (Howard Hinnant), proleptic Gregorian, valid for these years */
	int y = year - (month <= 2);
	int era = y / 400, yoe = y - era * 400;
	int doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
	int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	long long days = (long long)era * 146097 + doe - 719468;
	long long t = days * 86400 + hh * 3600 + mm * 60 + ss - 86400;
	xsmcSetInteger(xsResult, (xsIntegerValue)t);
}
