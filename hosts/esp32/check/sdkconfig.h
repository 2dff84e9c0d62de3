/*
 * Hand-written stand-in for the sdkconfig.h that ESP-IDF generates, used ONLY by
 * scripts/check-esp32-wps.sh to compile hosts/esp32's C modules against the ESP-IDF v6.0
 * headers for ESP32-C3 without the ESP-IDF build system. Not used by a real build (there
 * mcconfig + idf.py generate the real file from the merged sdkconfig).
 *
 * It holds the options the included headers test, with the values of a Moddable ESP32-C3
 * build with hosts/esp32/sdkconfig: the Kconfig defaults of ESP-IDF v6.0 for esp32c3, the
 * SDK's build/devices/esp32/xsProj-esp32c3/sdkconfig.defaults (except the libc, see below),
 * and our additions. Options
 * left undefined here are "n" in that build (e.g. SOC_WIFI_HE_SUPPORT: the C3 is Wi-Fi 4).
 * None of them changes the layout of a type these modules use (wifi_config_t,
 * wifi_event_sta_wps_er_success_t, esp_wps_config_t, nvs_handle_t).
 */
#pragma once

/* target */
#define CONFIG_IDF_TARGET "esp32c3"
#define CONFIG_IDF_TARGET_ESP32C3 1
#define CONFIG_IDF_TARGET_ARCH_RISCV 1
#define CONFIG_IDF_TARGET_ARCH "riscv"
#define CONFIG_IDF_FIRMWARE_CHIP_ID 0x0005
#define CONFIG_SOC_CPU_CORES_NUM 1
#define CONFIG_SOC_WIFI_SUPPORTED 1
#define CONFIG_SOC_RTC_FAST_MEM_SUPPORTED 1
#define CONFIG_ESP_SYSTEM_SINGLE_CORE_MODE 1

/* libc: picolibc, ESP-IDF v6.0's default, because the check compiles with Debian's picolibc.
 * (The Moddable ESP32-C3 defaults select newlib, whose sys/reent.h picolibc lacks; the modules
 * use only memset/memcpy/strlen/calloc/free, the same in both.) */
#define CONFIG_LIBC_PICOLIBC 1

/* FreeRTOS (single core, as configured for ESP32-C3) */
#define CONFIG_FREERTOS_UNICORE 1
#define CONFIG_FREERTOS_NUMBER_OF_CORES 1
#define CONFIG_FREERTOS_HZ 1000
#define CONFIG_FREERTOS_MAX_TASK_NAME_LEN 16
#define CONFIG_FREERTOS_TASK_NOTIFICATION_ARRAY_ENTRIES 1
#define CONFIG_FREERTOS_IDLE_TASK_STACKSIZE 1024
#define CONFIG_FREERTOS_ISR_STACKSIZE 2100
#define CONFIG_FREERTOS_USE_TIMERS 1
#define CONFIG_FREERTOS_TIMER_TASK_PRIORITY 1
#define CONFIG_FREERTOS_TIMER_TASK_STACK_DEPTH 2048
#define CONFIG_FREERTOS_TIMER_QUEUE_LENGTH 10
#define CONFIG_FREERTOS_QUEUE_REGISTRY_SIZE 0
#define CONFIG_FREERTOS_THREAD_LOCAL_STORAGE_POINTERS 1
#define CONFIG_FREERTOS_CHECK_STACKOVERFLOW_PTRVAL 1
#define CONFIG_FREERTOS_USE_TRACE_FACILITY 1
#define CONFIG_FREERTOS_TICK_SUPPORT_SYSTIMER 1
#define CONFIG_FREERTOS_CORETIMER_SYSTIMER_LVL1 1
#define CONFIG_FREERTOS_SYSTICK_USES_SYSTIMER 1
#define CONFIG_FREERTOS_SUPPORT_STATIC_ALLOCATION 1
#define CONFIG_FREERTOS_PORT 1
#define CONFIG_FREERTOS_NO_AFFINITY 0x7FFFFFFF

/* logging, events, network interface */
#define CONFIG_LOG_MAXIMUM_LEVEL 0
#define CONFIG_LOG_DEFAULT_LEVEL 0
#define CONFIG_LOG_VERSION_1 1
#define CONFIG_LOG_VERSION 1
#define CONFIG_ESP_EVENT_POST_FROM_ISR 1
#define CONFIG_LWIP_IPV4 1
#define CONFIG_LWIP_IPV6 1

/* hosts/esp32/sdkconfig/sdkconfig.defaults (xsHost.h tests the watchdog option) */
#define CONFIG_ESP_TASK_WDT_EN 1
#define CONFIG_ESP_TASK_WDT_INIT 1
#define CONFIG_ESP_TASK_WDT_TIMEOUT_S 30
#define CONFIG_ESP_TASK_WDT_CHECK_IDLE_TASK_CPU0 1
