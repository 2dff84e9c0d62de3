// QEMU's OpenCores Ethernet NIC (modOpenEth.c); typed in types/moddable-app.d.ts.
export function start() @ "xs_openeth_start";
export function address() @ "xs_openeth_address";
