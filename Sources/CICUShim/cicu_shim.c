#include "cicu_shim.h"
#include <stdlib.h>
#include <string.h>
#include <unicode/ustring.h>
#include <unicode/unorm2.h>
#include <unicode/uversion.h>
#include <unicode/utypes.h>
#include <unicode/ucnv.h>
#include <unicode/ucnv_err.h>

static UChar *to_utf16(const char *input, int32_t length, int32_t *u_len, UErrorCode *status) {
    u_strFromUTF8(NULL, 0, u_len, input, length, status);
    if (*status == U_BUFFER_OVERFLOW_ERROR) *status = U_ZERO_ERROR;
    if (U_FAILURE(*status)) return NULL;
    UChar *buf = malloc(sizeof(UChar) * (size_t)(*u_len + 1));
    if (!buf) { *status = U_MEMORY_ALLOCATION_ERROR; return NULL; }
    u_strFromUTF8(buf, *u_len + 1, NULL, input, length, status);
    if (U_FAILURE(*status)) { free(buf); return NULL; }
    return buf;
}

static char *to_utf8(const UChar *s, int32_t len, int32_t *out_length, UErrorCode *status) {
    int32_t n = 0;
    u_strToUTF8(NULL, 0, &n, s, len, status);
    if (*status == U_BUFFER_OVERFLOW_ERROR) *status = U_ZERO_ERROR;
    if (U_FAILURE(*status)) return NULL;
    char *out = malloc((size_t)n + 1);
    if (!out) { *status = U_MEMORY_ALLOCATION_ERROR; return NULL; }
    u_strToUTF8(out, n + 1, NULL, s, len, status);
    if (U_FAILURE(*status)) { free(out); return NULL; }
    *out_length = n;
    return out;
}

char *kh_icu_transform(kh_icu_op op, const char *input, int32_t length, int32_t *out_length, int32_t *error_code) {
    UErrorCode status = U_ZERO_ERROR;
    int32_t u_len = 0;
    UChar *src = to_utf16(input, length, &u_len, &status);
    if (!src) { *error_code = status; return NULL; }
    // Normalization and case mapping can grow text; 3x plus slack covers every Vietnamese case,
    // and ICU reports overflow otherwise, which we retry once with the exact size.
    int32_t cap = u_len * 3 + 16;
    UChar *dst = malloc(sizeof(UChar) * (size_t)cap);
    int32_t n = 0;
    for (int attempt = 0; attempt < 2; attempt++) {
        status = U_ZERO_ERROR;
        switch (op) {
        case KH_ICU_NFC:
        case KH_ICU_NFD: {
            const UNormalizer2 *norm = op == KH_ICU_NFC ? unorm2_getNFCInstance(&status) : unorm2_getNFDInstance(&status);
            if (U_SUCCESS(status)) n = unorm2_normalize(norm, src, u_len, dst, cap, &status);
            break;
        }
        case KH_ICU_LOWER: n = u_strToLower(dst, cap, src, u_len, "vi", &status); break;
        case KH_ICU_UPPER: n = u_strToUpper(dst, cap, src, u_len, "vi", &status); break;
        default: status = U_ILLEGAL_ARGUMENT_ERROR;
        }
        if (status != U_BUFFER_OVERFLOW_ERROR) break;
        cap = n + 1;
        dst = realloc(dst, sizeof(UChar) * (size_t)cap);
    }
    free(src);
    if (U_FAILURE(status)) { free(dst); *error_code = status; return NULL; }
    char *out = to_utf8(dst, n, out_length, &status);
    free(dst);
    *error_code = status;
    return out;
}

int kh_icu_is_nfc(const char *input, int32_t length) {
    UErrorCode status = U_ZERO_ERROR;
    int32_t u_len = 0;
    UChar *src = to_utf16(input, length, &u_len, &status);
    if (!src) return 0;
    const UNormalizer2 *norm = unorm2_getNFCInstance(&status);
    UNormalizationCheckResult r = U_SUCCESS(status) ? unorm2_quickCheck(norm, src, u_len, &status) : UNORM_NO;
    free(src);
    return U_SUCCESS(status) && r == UNORM_YES;
}

int kh_icu_nfc_inert(int32_t scalar) {
    UErrorCode status = U_ZERO_ERROR;
    const UNormalizer2 *norm = unorm2_getNFCInstance(&status);
    return U_SUCCESS(status) && unorm2_isInert(norm, scalar);
}

char *kh_icu_decode(const char *converter, const char *input, int32_t length, int32_t *out_length,
                    int32_t *error_code, int32_t *error_offset) {
    UErrorCode status = U_ZERO_ERROR;
    *error_offset = -1;
    UConverter *conv = ucnv_open(converter, &status);
    if (U_FAILURE(status)) { *error_code = status; return NULL; }
    // Stop at the first byte the charset leaves undefined rather than writing U+FFFD for it.
    ucnv_setToUCallBack(conv, UCNV_TO_U_CALLBACK_STOP, NULL, NULL, NULL, &status);
    // A single-byte charset gives at most one UTF-16 unit per byte; twice that covers any other.
    int32_t cap = length * 2 + 16;
    UChar *buf = malloc(sizeof(UChar) * (size_t)cap);
    if (!buf) { ucnv_close(conv); *error_code = U_MEMORY_ALLOCATION_ERROR; return NULL; }
    const char *src = input;
    UChar *dst = buf;
    ucnv_toUnicode(conv, &dst, buf + cap, &src, input + length, NULL, 1, &status);
    if (U_FAILURE(status)) {
        char bad[32];
        int8_t bad_length = sizeof bad;
        UErrorCode ignored = U_ZERO_ERROR;
        ucnv_getInvalidChars(conv, bad, &bad_length, &ignored);
        if (status == U_INVALID_CHAR_FOUND || status == U_ILLEGAL_CHAR_FOUND || status == U_TRUNCATED_CHAR_FOUND)
            *error_offset = (int32_t)(src - input) - (U_SUCCESS(ignored) ? bad_length : 1);
        ucnv_close(conv);
        free(buf);
        *error_code = status;
        return NULL;
    }
    ucnv_close(conv);
    char *out = to_utf8(buf, (int32_t)(dst - buf), out_length, &status);
    free(buf);
    *error_code = status;
    return out;
}

const char *kh_icu_version(void) {
    static char buf[U_MAX_VERSION_STRING_LENGTH];
    UVersionInfo v;
    u_getVersion(v);
    u_versionToString(v, buf);
    return buf;
}
