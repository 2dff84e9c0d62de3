#!/bin/sh
# Compile check of the ESP32 native modules (hosts/esp32/wps/modWPS.c, hosts/esp32/factory/
# modFactoryData.c, hosts/esp32/system/esp32-system.c) for ESP32-C3, without an ESP-IDF toolchain: Debian's riscv64-unknown-elf-gcc
# with picolibc, the ESP-IDF v6.0 headers ($IDF_PATH), the Moddable SDK's XS headers ($MODDABLE)
# and the hand-written hosts/esp32/check/sdkconfig.h. Produces object files only (nothing is
# linked or kept). Also: every native binding named in the modules' .js exists in the object,
# the JS compiles with the SDK's xsc (if built), and partitions.csv passes ESP-IDF's
# gen_esp32part.py (if python3 is there).
#
# Include folders mirror the Moddable ESP32 build (tools/mcconfig/make.esp32.mk INC_DIRS, XS_DIRS)
# for ESP32_SUBCLASS=esp32c3: in particular $IDF_PATH/components itself, which is how the modules
# reach esp_wps.h and nvs.h, whose own folders are not on that list. SDK and ESP-IDF folders are
# -isystem, so -Werror applies to the project's files only.
#
# Skips (exit 0) without $MODDABLE, $IDF_PATH or the compiler; exits 1 on any error.
set -eu

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
CC=riscv64-unknown-elf-gcc

skip() { echo "check-esp32-wps: SKIP: $*"; exit 0; }
[ -n "${MODDABLE:-}" ] || skip "MODDABLE is not set (Moddable SDK checkout; see hosts/esp32/README.md)"
[ -n "${IDF_PATH:-}" ] || skip "IDF_PATH is not set (ESP-IDF v6.0 checkout; see hosts/esp32/README.md)"
[ -f "$MODDABLE/xs/includes/xsmc.h" ] || skip "no XS headers under MODDABLE=$MODDABLE"
[ -f "$IDF_PATH/components/esp_wifi/include/esp_wifi.h" ] || skip "no ESP-IDF headers under IDF_PATH=$IDF_PATH"
command -v "$CC" >/dev/null 2>&1 || skip "$CC not found (apt-get install gcc-riscv64-unknown-elf picolibc-riscv64-unknown-elf)"
"$CC" --specs=picolibc.specs -march=rv32imc_zicsr_zifencei -mabi=ilp32 -E -x c /dev/null >/dev/null 2>&1 \
  || skip "picolibc for $CC not found (apt-get install picolibc-riscv64-unknown-elf)"

IDF_VERSION="$(git -C "$IDF_PATH" describe --tags 2>/dev/null || echo unknown)"
SDK_VERSION="$(git -C "$MODDABLE" describe --tags 2>/dev/null || echo unknown)"
echo "check-esp32-wps: $("$CC" --version | head -n 1)"
echo "check-esp32-wps: ESP-IDF $IDF_VERSION at $IDF_PATH; Moddable SDK $SDK_VERSION at $MODDABLE"
case "$IDF_VERSION" in v6.0*) ;; *) echo "check-esp32-wps: WARNING: the Moddable SDK names ESP-IDF v6.0" ;; esac

OUT="$(mktemp -d)"
trap 'rm -rf "$OUT"' EXIT INT TERM

C="$IDF_PATH/components"
SUB=esp32c3
ARCH=riscv
SYSTEM_DIRS="
$MODDABLE/xs/includes
$MODDABLE/xs/platforms/esp
$MODDABLE/xs/platforms/mc
$MODDABLE/modules/base/timer
$C
$C/esp_common/include
$C/esp_event/include
$C/esp_wifi/include
$C/esp_netif/include
$C/esp_timer/include
$C/esp_system/include
$C/esp_hw_support/include
$C/esp_hw_support/etm/include
$C/esp_partition/include
$C/esp_app_format/include
$C/esp_blockdev/include
$C/esp_rom/include
$C/esp_libc/platform_include
$C/heap/include
$C/log/include
$C/freertos/config/include
$C/freertos/config/include/freertos
$C/freertos/config/$ARCH/include
$C/freertos/FreeRTOS-Kernel/include
$C/freertos/FreeRTOS-Kernel/portable/$ARCH/include/freertos
$C/freertos/esp_additions/include
$C/$ARCH/include
$C/soc/$SUB/include
$C/soc/$SUB/register
$C/soc/include
$C/hal/$SUB/include
$C/hal/include
$C/hal/platform_port/include
"
INCLUDES="-I$ROOT/hosts/esp32/check"
for dir in $SYSTEM_DIRS; do
  [ -d "$dir" ] || { echo "check-esp32-wps: FAIL: include folder missing: $dir"; exit 1; }
  INCLUDES="$INCLUDES -isystem $dir"
done

# Target and defines as the Moddable ESP32 build passes them for esp32c3 (ESP32=4).
FLAGS="-march=rv32imc_zicsr_zifencei -mabi=ilp32 --specs=picolibc.specs -std=gnu17 -Os -g
  -ffunction-sections -fdata-sections -fno-jump-tables -fstrict-volatile-bitfields
  -D__ets__ -U__STRICT_ANSI__ -DESP32=4 -DmxUseDefaultSharedChunks=1 -DESP_PLATFORM
  -Wall -Wextra -Wpointer-arith -Wundef -Werror"

status=0
for source in hosts/esp32/wps/modWPS.c hosts/esp32/factory/modFactoryData.c hosts/esp32/system/esp32-system.c; do
  name="$(basename "$source" .c)"
  object="$OUT/$name.o"
  echo "== $source"
  # shellcheck disable=SC2086
  if ! "$CC" $FLAGS $INCLUDES -c "$ROOT/$source" -o "$object" 2>&1; then
    echo "check-esp32-wps: FAIL: $source does not compile"
    status=1
    continue
  fi
  file "$object" | sed "s|$OUT/||"
  riscv64-unknown-elf-size "$object" | sed "s|$OUT/||"
  echo "ESP-IDF / XS symbols it needs: $(riscv64-unknown-elf-nm -u "$object" | awk '{print $2}' | sort | tr '\n' ' ')"

  # every `@ "xs_..."` binding of the module's JS must be defined in the object
  js="$(ls "$ROOT/$(dirname "$source")"/*.js)"
  for binding in $(grep -ho '@ *"xs_[A-Za-z0-9_]*"' $js | sed 's/.*"\(.*\)"/\1/' | sort -u); do
    if riscv64-unknown-elf-nm --defined-only -g "$object" | awk '{print $3}' | grep -qx "$binding"; then
      echo "binding $binding: defined"
    else
      echo "check-esp32-wps: FAIL: binding $binding used in $(basename "$js") is not defined in $name.o"
      status=1
    fi
  done
done

XSC="$MODDABLE/build/bin/lin/release/xsc"
if [ -x "$XSC" ]; then
  for js in hosts/esp32/wps/wps.js hosts/esp32/factory/factory-data.js hosts/esp32/system/esp32-system.js; do
    if "$XSC" "$ROOT/$js" -c -e -o "$OUT" -r "$(basename "$js" .js)"; then
      echo "xsc $js: ok"
    else
      echo "check-esp32-wps: FAIL: xsc $js"
      status=1
    fi
  done
else
  echo "check-esp32-wps: note: $XSC not built; JS binding syntax not checked"
fi

if command -v python3 >/dev/null 2>&1; then
  if python3 "$C/partition_table/gen_esp32part.py" --flash-size 4MB -q "$ROOT/hosts/esp32/partitions.csv" "$OUT/partitions.bin" \
    && python3 "$C/partition_table/gen_esp32part.py" -q "$OUT/partitions.bin" | grep -v '^#' | sed 's/^/partition: /'; then
    :
  else
    echo "check-esp32-wps: FAIL: hosts/esp32/partitions.csv rejected by gen_esp32part.py"
    status=1
  fi
else
  echo "check-esp32-wps: note: python3 not found; partitions.csv not checked"
fi

if [ "$status" -eq 0 ]; then
  echo "check-esp32-wps: OK (objects for ESP32-C3 only: nothing linked or flashed)"
else
  echo "check-esp32-wps: FAILED"
fi
exit "$status"
