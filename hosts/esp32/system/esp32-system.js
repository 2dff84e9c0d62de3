// ESP32 restart, heap figures and build time (esp32-system.c); typed in types/moddable-app.d.ts.
export function restart() @ "xs_esp32_restart";
export function freeHeap() @ "xs_esp32_free_heap";
export function minimumFreeHeap() @ "xs_esp32_min_free_heap";
export function buildTime() @ "xs_esp32_build_time";
