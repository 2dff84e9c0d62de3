// Native helper of the desktop simulator (simhost.c); typed in types/moddable-app.d.ts.
export function exit(code) @ "xs_simhost_exit";

function figures() @ "xs_simhost_memory";

export function memory() {
	const v = figures();
	const result = {
		slot_bytes: v[0], chunk_used: v[1], chunk_peak: v[2], chunk_reserved: v[3],
		slot_used_slots: v[4], slot_peak_slots: v[5], slot_reserved_slots: v[6], stack_size_slots: v[7],
		keys_used: v[10],
	};
	if (v[8] >= 0) {
		result.stack_peak_slots = v[8];
		result.gc_count = v[9];
	}
	return result;
}
