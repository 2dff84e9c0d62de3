/*
 * XS memory figures on the ESP32 targets (project code; hosts/sim/native/simhost.c reports the same
 * on the simulator). Needs the XS engine's internal header: built by mcconfig only, not by
 * scripts/check-esp32-wps.sh.
 */
#include "xsAll.h"
#include "xsmc.h"

/*
 * The XS machine's memory figures, as the simulator's simhost.c reports them, for sizing the
 * `creation` budget on the target itself: [slot_bytes, chunk_used, chunk_peak, chunk_reserved,
 * slot_used, slot_peak, slot_reserved, stack_size, stack_peak, keys_used]; chunks in bytes, slots
 * and stack in slots; stack_peak is -1 unless the build is instrumented.
 */
void xs_xs_memory(xsMachine *the)
{
	txInteger values[10];
	int i;
	values[0] = sizeof(txSlot);
	values[1] = the->currentChunksSize;
	values[2] = the->peakChunksSize;
	values[3] = the->maximumChunksSize;
	values[4] = the->currentHeapCount;
	values[5] = the->peakHeapCount;
	values[6] = the->maximumHeapCount;
	values[7] = the->stackTop - the->stackBottom;
#ifdef mxInstrument
	if (the->stackPeak > the->stack)
		the->stackPeak = the->stack;
	values[8] = the->stackTop - the->stackPeak;
#else
	values[8] = -1;
#endif
	values[9] = the->keyIndex - the->keyOffset;
	xsmcVars(1);
	xsmcSetNewArray(xsResult, 10);
	for (i = 0; i < 10; i++) {
		xsmcSetInteger(xsVar(0), values[i]);
		xsmcSetIndex(xsResult, i, xsVar(0));
	}
}
