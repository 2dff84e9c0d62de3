/*
 * The desktop simulator's native helper (project code, not part of the SDK):
 *   exit(code)  ends mcsim with an exit code (mcsim never exits on its own), so a test run or a
 *               simulated restart is observable;
 *   memory()    the XS machine's memory high-water marks, for sizing the ESP32 `creation` budget.
 */
#include "xsAll.h"
#include "xsmc.h"
#include <stdio.h>
#include <unistd.h>

void xs_simhost_exit(xsMachine *the)
{
	int code = (xsmcArgc > 0) ? xsmcToInteger(xsArg(0)) : 0;
	fflush(stdout);
	fflush(stderr);
	_exit(code);
}

/*
 * [slot_bytes, chunk_used, chunk_peak, chunk_reserved, slot_used, slot_peak, slot_reserved, stack_size,
 *  stack_peak, gc_count, keys_used]: chunk figures in bytes, slot and stack figures in slots
 * (sizeof(txSlot) bytes each: 32 on a 64-bit host, 16 on ESP32); stack_peak and gc_count are -1
 * unless the build is instrumented (mcconfig -i / -d).
 */
void xs_simhost_memory(xsMachine *the)
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
#ifdef mxInstrument
	if (the->stackPeak > the->stack)
		the->stackPeak = the->stack;
	values[8] = the->stackTop - the->stackPeak;
	values[9] = the->garbageCollectionCount;
#else
	values[8] = -1;
	values[9] = -1;
#endif
	values[10] = the->keyIndex - the->keyOffset;
	xsmcVars(1);
	xsmcSetNewArray(xsResult, 11);
	for (i = 0; i < 11; i++) {
		xsmcSetInteger(xsVar(0), values[i]);
		xsmcSetIndex(xsResult, i, xsVar(0));
	}
}
