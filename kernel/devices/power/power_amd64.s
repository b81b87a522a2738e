#include "textflag.h"

TEXT ·haltForever(SB),NOSPLIT|NOFRAME,$0
	CLI
	HLT
	RET
