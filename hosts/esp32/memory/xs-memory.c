/*
 * XS memory figures on the ESP32 targets (project code; hosts/sim/native/simhost.c reports the same
 * on the simulator). Needs the XS engine's internal header: built by mcconfig only, not by
 * scripts/check-esp32-wps.sh.
 */
#include "xsAll.h"
#include "xsmc.h"
#include "freertos/FreeRTOS.h"
#include "freertos/task.h"

/*
 * The XS stack's high-water mark in a release build (XS tracks it only when instrumented): the
 * first call paints the free part of the stack (below the current top, which XS never reads
 * before writing it) with a pattern; every call then walks down from the current top over the
 * slots no longer holding it. XS's RegExp engine keeps its backtracking states in the free stack
 * from the bottom up (xsre.c, fxPushState), so the walk stops at the first run of kUntouchedRun
 * painted slots, not at the bottom; a frame slot that XS reserves but never writes (a rare gap
 * shorter than the run) does not stop it. A slot XS wrote with exactly the pattern's 16 bytes would
 * be missed; that is not a value XS writes.
 */
#define kPaint 0xA5
#define kUntouchedRun 8
static txBoolean painted = 0;

static txBoolean untouched(const txSlot *p)
{
	const uint8_t *b = (const uint8_t *)p;
	size_t i;
	for (i = 0; i < sizeof(txSlot); i++)
		if (b[i] != kPaint)
			return 0;
	return 1;
}

static txInteger stackPeak(txMachine *the)
{
	txSlot *p, *lowest = the->stack;
	int run = 0;
	if (!painted) {
		for (p = the->stackBottom; p < the->stack; p++)
			c_memset(p, kPaint, sizeof(txSlot));
		painted = 1;
		return the->stackTop - the->stack;
	}
	for (p = the->stack - 1; p >= the->stackBottom; p--) {
		if (untouched(p)) {
			if (++run >= kUntouchedRun)
				break;
		}
		else {
			run = 0;
			lowest = p;
		}
	}
	return the->stackTop - lowest;
}

/*
 * The XS machine's memory figures, as the simulator's simhost.c reports them, for sizing the
 * `creation` budget on the target itself: [slot_bytes, chunk_used, chunk_peak, chunk_reserved,
 * slot_used, slot_peak, slot_reserved, stack_size, stack_peak, keys_used, native_stack_free_min];
 * chunks in bytes, slots and stack in slots; the last is the XS task's native (C) stack, the least
 * it ever had free, in bytes (FreeRTOS's high-water mark; JSON.parse and the TLS code recurse there).
 */
void xs_xs_memory(xsMachine *the)
{
	txInteger values[11];
	int i;
	values[0] = sizeof(txSlot);
	values[1] = the->currentChunksSize;
	values[2] = the->peakChunksSize;
	values[3] = the->maximumChunksSize;
	values[4] = the->currentHeapCount;
	values[5] = the->peakHeapCount;
	values[6] = the->maximumHeapCount;
	values[7] = the->stackTop - the->stackBottom;
	values[8] = stackPeak(the);
	values[9] = the->keyIndex - the->keyOffset;
	values[10] = (txInteger)(uxTaskGetStackHighWaterMark(NULL) * sizeof(StackType_t));
	xsmcVars(1);
	xsmcSetNewArray(xsResult, 11);
	for (i = 0; i < 11; i++) {
		xsmcSetInteger(xsVar(0), values[i]);
		xsmcSetIndex(xsResult, i, xsVar(0));
	}
}
