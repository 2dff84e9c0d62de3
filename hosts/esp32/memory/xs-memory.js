// XS memory figures on ESP32 (xs-memory.c); typed in types/moddable-app.d.ts.
export function xsMemory() @ "xs_xs_memory";
