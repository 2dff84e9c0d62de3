/*
 * Read-only access to the unit's factory data: a dedicated NVS partition (label "fctry" by
 * default, flagged readonly in partitions.csv) written once at manufacturing with
 * nvs_partition_gen.py. It is never opened for writing, so a factory reset (which erases the
 * user "nvs" partition) cannot touch it.
 *
 * Include paths are relative to $(IDF_PATH)/components because nvs_flash/include is not on the
 * Moddable ESP32 include list (same idiom as modules/files/preference/esp32/modPreference.c).
 */

#include "xsmc.h"
#include "xsHost.h"

#include "esp_err.h"
#include "nvs_flash/include/nvs.h"
#include "nvs_flash/include/nvs_flash.h"

#define kPartitionLabelSize (17)		// esp_partition_t.label
#define kNamespaceSize (16)				// NVS_KEY_NAME_MAX_SIZE
#define kKeySize (16)

typedef struct {
	nvs_handle_t handle;
	char partition[kPartitionLabelSize];
} FactoryDataRecord;

static int gOpenCount;		// partitions stay initialised while any reader is open

void xs_factory_destructor(void *data);

static void factoryRelease(FactoryDataRecord *fd)
{
	nvs_close(fd->handle);
	if (--gOpenCount == 0)
		nvs_flash_deinit_partition(fd->partition);
	c_free(fd);
}

void xs_factory_destructor(void *data)
{
	if (data)
		factoryRelease(data);
}

// new FactoryData(partitionLabel, namespace)
void xs_factory_constructor(xsMachine *the)
{
	FactoryDataRecord *fd;
	char partition[kPartitionLabelSize];
	char space[kNamespaceSize];
	esp_err_t err;

	xsmcToStringBuffer(xsArg(0), partition, sizeof(partition));
	xsmcToStringBuffer(xsArg(1), space, sizeof(space));

	err = nvs_flash_init_partition(partition);		// ESP_OK again when already initialised
	if (ESP_OK != err)
		xsUnknownError("factory partition %s: %s", partition, esp_err_to_name(err));

	fd = c_calloc(1, sizeof(FactoryDataRecord));
	if (!fd) {
		if (0 == gOpenCount)
			nvs_flash_deinit_partition(partition);
		xsUnknownError("out of memory");
	}
	c_memcpy(fd->partition, partition, sizeof(partition));

	err = nvs_open_from_partition(partition, space, NVS_READONLY, &fd->handle);
	if (ESP_OK != err) {
		if (0 == gOpenCount)
			nvs_flash_deinit_partition(partition);
		c_free(fd);
		xsUnknownError("factory namespace %s: %s", space, esp_err_to_name(err));
	}
	gOpenCount += 1;
	xsmcSetHostData(xsThis, fd);
}

void xs_factory_close(xsMachine *the)
{
	FactoryDataRecord *fd = xsmcGetHostDataValidate(xsThis, xs_factory_destructor);

	if (!fd)
		return;
	xsmcSetHostData(xsThis, NULL);
	factoryRelease(fd);
}

static FactoryDataRecord *factoryOpen(xsMachine *the, char *key)
{
	FactoryDataRecord *fd = xsmcGetHostDataValidate(xsThis, xs_factory_destructor);

	if (!fd)
		xsUnknownError("closed");
	xsmcToStringBuffer(xsArg(0), key, kKeySize);		// RangeError when longer than 15 bytes
	return fd;
}

static uint8_t isMissing(esp_err_t err)
{
	return (ESP_ERR_NVS_NOT_FOUND == err) || (ESP_ERR_NVS_TYPE_MISMATCH == err);
}

// getString(key) → string | undefined
void xs_factory_get_string(xsMachine *the)
{
	char key[kKeySize];
	FactoryDataRecord *fd = factoryOpen(the, key);
	size_t length = 0;
	esp_err_t err;

	err = nvs_get_str(fd->handle, key, NULL, &length);
	if (isMissing(err))
		return;
	if ((ESP_OK != err) || (length < 1))
		xsUnknownError("factory %s: %s", key, esp_err_to_name(err));

	xsResult = xsStringBuffer(NULL, (xsIntegerValue)(length - 1));		// length counts the terminator
	err = nvs_get_str(fd->handle, key, xsmcToString(xsResult), &length);
	if (ESP_OK != err)
		xsUnknownError("factory %s: %s", key, esp_err_to_name(err));
}

// getInteger(key) → number | undefined; accepts the integer encodings nvs_partition_gen writes
void xs_factory_get_integer(xsMachine *the)
{
	char key[kKeySize];
	FactoryDataRecord *fd = factoryOpen(the, key);
	uint16_t u16;
	int32_t i32;
	uint32_t u32;
	uint8_t u8;
	esp_err_t err;

	err = nvs_get_u16(fd->handle, key, &u16);
	if (ESP_OK == err) {
		xsmcSetInteger(xsResult, u16);
		return;
	}
	if (!isMissing(err))
		goto fail;

	err = nvs_get_i32(fd->handle, key, &i32);
	if (ESP_OK == err) {
		xsmcSetInteger(xsResult, i32);
		return;
	}
	if (!isMissing(err))
		goto fail;

	err = nvs_get_u32(fd->handle, key, &u32);
	if (ESP_OK == err) {
		xsmcSetNumber(xsResult, (double)u32);
		return;
	}
	if (!isMissing(err))
		goto fail;

	err = nvs_get_u8(fd->handle, key, &u8);
	if (ESP_OK == err) {
		xsmcSetInteger(xsResult, u8);
		return;
	}
	if (isMissing(err))
		return;

fail:
	xsUnknownError("factory %s: %s", key, esp_err_to_name(err));
}

// getBlob(key) → ArrayBuffer | undefined
void xs_factory_get_blob(xsMachine *the)
{
	char key[kKeySize];
	FactoryDataRecord *fd = factoryOpen(the, key);
	size_t length = 0;
	esp_err_t err;

	err = nvs_get_blob(fd->handle, key, NULL, &length);
	if (isMissing(err))
		return;
	if (ESP_OK != err)
		xsUnknownError("factory %s: %s", key, esp_err_to_name(err));

	xsmcSetArrayBuffer(xsResult, NULL, (xsIntegerValue)length);
	if (length) {
		err = nvs_get_blob(fd->handle, key, xsmcToArrayBuffer(xsResult), &length);
		if (ESP_OK != err)
			xsUnknownError("factory %s: %s", key, esp_err_to_name(err));
	}
}
