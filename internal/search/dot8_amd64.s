#include "textflag.h"

// func dot8AVX2(a, b *int8, n int) int32
//
// Each step sign-extends 16 bytes of a and of b to 16-bit lanes
// (VPMOVSXBW), multiplies lane by lane and adds adjacent pairs into eight
// 32-bit sums (VPMADDWD), and accumulates them. A product of two int8 is
// at most 2^14 and a pair 2^15, so a 32-bit lane holds the sum of more
// than 2^16 steps: vectors of up to a million components.
TEXT ·dot8AVX2(SB), NOSPLIT, $0-28
	MOVQ a+0(FP), SI
	MOVQ b+8(FP), DI
	MOVQ n+16(FP), CX
	VPXOR Y0, Y0, Y0

loop:
	VPMOVSXBW (SI), Y1
	VPMOVSXBW (DI), Y2
	VPMADDWD  Y1, Y2, Y3
	VPADDD    Y3, Y0, Y0
	ADDQ      $16, SI
	ADDQ      $16, DI
	SUBQ      $16, CX
	JNZ       loop

	// Add the eight lanes.
	VEXTRACTI128 $1, Y0, X1
	VPADDD       X1, X0, X0
	VPSHUFD      $0x4E, X0, X1
	VPADDD       X1, X0, X0
	VPSHUFD      $0xB1, X0, X1
	VPADDD       X1, X0, X0
	VMOVD        X0, AX
	VZEROUPPER
	MOVL         AX, ret+24(FP)
	RET
