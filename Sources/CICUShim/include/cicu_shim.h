// A few ICU calls made importable from Swift. Debian's ICU renames every C function with a
// version suffix (unorm2_normalize_72) through macros that Swift cannot import, so Swift calls
// these wrappers instead; they take and return UTF-8.
#ifndef CICU_SHIM_H
#define CICU_SHIM_H
#include <stdint.h>

typedef enum {
    KH_ICU_NFC = 0,
    KH_ICU_NFD = 1,
    KH_ICU_LOWER = 2,   // Vietnamese locale rules
    KH_ICU_UPPER = 3,
} kh_icu_op;

/// Transforms UTF-8 `input` of `length` bytes. Returns a malloc'd UTF-8 buffer (caller frees)
/// and its length in `out_length`, or NULL with an ICU error code in `error_code`.
char *kh_icu_transform(kh_icu_op op, const char *input, int32_t length, int32_t *out_length, int32_t *error_code);

/// 1 when the UTF-8 text is certainly NFC already (ICU quick check), 0 when it may not be.
int kh_icu_is_nfc(const char *input, int32_t length);
/// Whether NFC leaves the scalar as it is and never combines it with a neighbour (euro sign, ligatures, …).
int kh_icu_nfc_inert(int32_t scalar);

/// Decodes `length` bytes in the charset ICU names `converter` ("windows-1258") to UTF-8. Returns a
/// malloc'd buffer (caller frees) and its length, or NULL with the ICU error code and, for a byte
/// the charset does not define, its offset in `error_offset` (else -1).
char *kh_icu_decode(const char *converter, const char *input, int32_t length, int32_t *out_length,
                    int32_t *error_code, int32_t *error_offset);

/// The ICU version string, e.g. "72.1".
const char *kh_icu_version(void);
#endif
