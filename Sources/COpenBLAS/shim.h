#ifndef DEEPARC_COPENBLAS_SHIM_H
#define DEEPARC_COPENBLAS_SHIM_H
// Debian's libopenblas-dev puts cblas.h under the openblas-pthread include directory that
// `pkg-config openblas` reports.
#include <cblas.h>
#endif
