/*
 * The desktop simulator's native helper: lets the application end mcsim with an exit code
 * (mcsim never exits on its own), so a test run or a simulated restart is observable.
 */
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
