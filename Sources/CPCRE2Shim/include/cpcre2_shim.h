// PCRE2 for Swift: the 8-bit library (UTF-8) must be chosen before pcre2.h is included.
// Swift then calls the width-suffixed functions directly (pcre2_compile_8, pcre2_match_8, ...).
#ifndef CPCRE2_SHIM_H
#define CPCRE2_SHIM_H
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

/// PCRE2_ZERO_TERMINATED and PCRE2_UNSET are casts Swift cannot import.
static inline PCRE2_SIZE kh_pcre2_unset(void) { return PCRE2_UNSET; }
#endif
