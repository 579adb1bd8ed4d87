#include "textflag.h"

// UTF8_CHECK checks the 32 bytes in Y0, which hold a byte of 0x80 or more,
// against the 32 before them in Y10: the errors go into Y11, and Y9 marks
// the last bytes that start a character still unfinished. prev1, prev2
// and prev3 are the input shifted by one to three bytes, carrying in the
// previous block's last bytes; a byte's error classes are those its
// nibbles and the previous byte's allow (three table lookups), and a
// continuation must follow a lead two or three back exactly where one
// (E0..FF, F0..FF) is.
#define UTF8_CHECK \
	VPERM2I128 $0x21, Y0, Y10, Y1; \
	VPALIGNR $15, Y1, Y0, Y2; \
	VPSRLW $4, Y2, Y3; \
	VPAND Y12, Y3, Y3; \
	VPSHUFB Y3, Y15, Y3; \
	VPAND Y12, Y2, Y4; \
	VPSHUFB Y4, Y14, Y4; \
	VPAND Y4, Y3, Y3; \
	VPSRLW $4, Y0, Y4; \
	VPAND Y12, Y4, Y4; \
	VPSHUFB Y4, Y13, Y4; \
	VPAND Y4, Y3, Y3; \
	VPALIGNR $14, Y1, Y0, Y4; \
	VPALIGNR $13, Y1, Y0, Y5; \
	VPSUBUSB 128(R13), Y4, Y4; \
	VPSUBUSB 160(R13), Y5, Y5; \
	VPOR Y5, Y4, Y4; \
	VPAND 192(R13), Y4, Y4; \
	VPXOR Y4, Y3, Y3; \
	VPOR Y3, Y11, Y11; \
	VPSUBUSB 224(R13), Y0, Y9

// func csvMasksAVX2(p *byte, blocks int, delim byte, masks *uint64, st *utf8State, k *maskConsts)
//
// For each 64-byte block of p: three words at masks (bit i set where byte
// i is the delimiter, a line feed, a double quote), and the UTF-8 check of
// Keiser and Lemire ("Validating UTF-8 in less than one instruction per
// byte", 2021) carried on in st from the previous call.
//
// Registers: Y15 Y14 Y13 the three nibble tables, Y12 0x0F, Y11 the
// error accumulator, Y10 the previous 32 bytes, Y9 their incomplete tail,
// Y8 Y7 Y6 the delimiter, line feed and quote broadcast; Y0-Y5 work.
TEXT ·csvMasksAVX2(SB), NOSPLIT, $0-48
	MOVQ p+0(FP), SI
	MOVQ blocks+8(FP), CX
	MOVBQZX delim+16(FP), AX
	MOVQ masks+24(FP), DI
	MOVQ st+32(FP), R12
	MOVQ k+40(FP), R13

	MOVQ AX, X8
	VPBROADCASTB X8, Y8
	MOVQ $0x0a, AX
	MOVQ AX, X7
	VPBROADCASTB X7, Y7
	MOVQ $0x22, AX
	MOVQ AX, X6
	VPBROADCASTB X6, Y6

	VMOVDQU 0(R13), Y15   // byte 1 high nibble
	VMOVDQU 32(R13), Y14  // byte 1 low nibble
	VMOVDQU 64(R13), Y13  // byte 2 high nibble
	VMOVDQU 96(R13), Y12  // 0x0F
	VMOVDQU 0(R12), Y10   // previous input
	VMOVDQU 32(R12), Y9   // previous incomplete
	VMOVDQU 64(R12), Y11  // errors so far

	TESTQ CX, CX
	JZ    done

loop:
	// first half
	VMOVDQU 0(SI), Y0
	VPCMPEQB Y0, Y8, Y1
	VPMOVMSKB Y1, AX
	VPCMPEQB Y0, Y7, Y2
	VPMOVMSKB Y2, BX
	VPCMPEQB Y0, Y6, Y3
	VPMOVMSKB Y3, DX
	VPMOVMSKB Y0, R11
	TESTL R11, R11
	JNZ   utf1
	VPOR Y9, Y11, Y11
	VPXOR Y9, Y9, Y9
	JMP  next1

utf1:
	UTF8_CHECK

next1:
	VMOVDQA Y0, Y10

	// second half
	VMOVDQU 32(SI), Y0
	VPCMPEQB Y0, Y8, Y1
	VPMOVMSKB Y1, R8
	VPCMPEQB Y0, Y7, Y2
	VPMOVMSKB Y2, R9
	VPCMPEQB Y0, Y6, Y3
	VPMOVMSKB Y3, R10
	SHLQ $32, R8
	ORQ  R8, AX
	SHLQ $32, R9
	ORQ  R9, BX
	SHLQ $32, R10
	ORQ  R10, DX
	MOVQ AX, 0(DI)
	MOVQ BX, 8(DI)
	MOVQ DX, 16(DI)
	VPMOVMSKB Y0, R11
	TESTL R11, R11
	JNZ   utf2
	VPOR Y9, Y11, Y11
	VPXOR Y9, Y9, Y9
	JMP  next2

utf2:
	UTF8_CHECK

next2:
	VMOVDQA Y0, Y10

	ADDQ $64, SI
	ADDQ $24, DI
	DECQ CX
	JNZ  loop

done:
	VMOVDQU Y10, 0(R12)
	VMOVDQU Y9, 32(R12)
	VMOVDQU Y11, 64(R12)
	VZEROUPPER
	RET
