// The platform's host module. No source lives here: the manifest maps the module name
// "hosts/platform/host" to hosts/sim/host.ts (lin/mac/win) or hosts/esp32/host.ts (esp32).
// A host imports its siblings as "../sim/…" / "../esp32/…" so that the same relative specifier
// resolves both from its file (TypeScript) and from this module name (XS).
import type { HostFactory } from "../../src/moddable/host";

declare const host: HostFactory;
export default host;
