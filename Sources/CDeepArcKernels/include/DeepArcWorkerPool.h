#ifndef DEEPARC_WORKER_POOL_H
#define DEEPARC_WORKER_POOL_H

#include <stdbool.h>

/// One part of a job: `body(context, part)` for part in [0, parts).
typedef void (*deeparc_part_body)(void *context, long part);

/// Runs `body(context, part)` for every part in [0, parts), part 0 on the calling thread and the
/// others on the pool's persistent workers, and returns when all have finished. Parts must write
/// disjoint memory. When another thread is using the pool, or workers cannot be created, the
/// remaining parts run on the calling thread.
void deeparc_run_parts(long parts, deeparc_part_body body, void *context);

/// Runs `body(context, index)` for every index in [0, iterations) on up to `threads` threads of the
/// same pool, each taking the next unclaimed index until none is left. Iterations must write
/// disjoint memory. Nested or concurrent calls run their iterations on the calling thread.
void deeparc_run_iterations(long iterations, long threads, deeparc_part_body body, void *context);

#endif
