/*
 * Restart and heap figures for the ESP32 host (project code): the SDK's classic modules offer
 * neither without the ECMA-419 io stack.
 */
#include "xsmc.h"
#include "esp_system.h"

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
