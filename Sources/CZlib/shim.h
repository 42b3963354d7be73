#ifndef DEEPARC_CZLIB_SHIM_H
#define DEEPARC_CZLIB_SHIM_H
#include <zlib.h>
#endif
