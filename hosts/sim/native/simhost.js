// Native helper of the desktop simulator (simhost.c); typed in types/moddable-app.d.ts.
export function exit(code) @ "xs_simhost_exit";
