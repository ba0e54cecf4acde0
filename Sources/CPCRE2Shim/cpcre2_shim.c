// SwiftPM needs a source file in every C target; the shim itself is the header.
#include "cpcre2_shim.h"
