#include "textflag.h"

TEXT ·WaitForInterrupt(SB),NOSPLIT|NOFRAME,$0
	STI
	HLT
	CLI
	RET
