// A small pool of persistent worker threads for splitting a GEMM call or a loop between cores.
//
// Dispatch's concurrentPerform wakes a sleeping worker per call; on this project's machines that
// costs 50–70 µs, a third of a 128 × 256 × 784 product. The pool's workers instead spin (with
// pause and sched_yield, so a runnable thread on their core still gets it) for up to
// SPIN_NANOSECONDS after each job before sleeping on a condition variable, the way OpenMP
// runtimes keep their teams warm between parallel regions.

#include "DeepArcWorkerPool.h"

#include <immintrin.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <time.h>

enum { MAX_WORKERS = 63 };
static const long SPIN_NANOSECONDS = 200000;

static pthread_mutex_t pool_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t pool_wake = PTHREAD_COND_INITIALIZER;
static atomic_ulong job_generation;
static atomic_long parts_left;
static atomic_bool pool_busy;
static long worker_count;                   // guarded by pool_lock
static unsigned long creation_generation;   // guarded by pool_lock: the generation new workers start from

// The current job, written by the pool's owner and read by the workers under pool_lock.
static deeparc_part_body job_body;
static void *job_context;
static long job_parts;

static long elapsed_nanoseconds(const struct timespec *start) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (now.tv_sec - start->tv_sec) * 1000000000L + (now.tv_nsec - start->tv_nsec);
}

static void *worker_main(void *argument) {
    long index = (long)argument;  // this worker runs part index + 1
    // Created by the pool's owner before it publishes the job this worker must join.
    pthread_mutex_lock(&pool_lock);
    unsigned long seen = creation_generation;
    pthread_mutex_unlock(&pool_lock);
    for (;;) {
        struct timespec start;
        clock_gettime(CLOCK_MONOTONIC, &start);
        for (long spin = 0; atomic_load_explicit(&job_generation, memory_order_acquire) == seen; ++spin) {
            _mm_pause();
            if ((spin & 63) == 63) {
                if (elapsed_nanoseconds(&start) > SPIN_NANOSECONDS) break;
                sched_yield();
            }
        }
        // The job is read under the lock it was published under, together with its generation, so a
        // worker that was not needed for one job and wakes during the next runs the next one once.
        pthread_mutex_lock(&pool_lock);
        while (atomic_load_explicit(&job_generation, memory_order_acquire) == seen)
            pthread_cond_wait(&pool_wake, &pool_lock);
        seen = atomic_load_explicit(&job_generation, memory_order_acquire);
        deeparc_part_body body = job_body;
        void *context = job_context;
        long parts = job_parts;
        pthread_mutex_unlock(&pool_lock);
        if (index + 1 < parts) {
            body(context, index + 1);
            atomic_fetch_sub_explicit(&parts_left, 1, memory_order_acq_rel);
        }
    }
    return NULL;
}

// Grows the pool to `wanted` workers (at most MAX_WORKERS); returns how many exist.
static long ensure_workers(long wanted) {
    if (wanted > MAX_WORKERS) wanted = MAX_WORKERS;
    pthread_mutex_lock(&pool_lock);
    creation_generation = atomic_load_explicit(&job_generation, memory_order_acquire);
    while (worker_count < wanted) {
        pthread_t thread;
        pthread_attr_t attributes;
        pthread_attr_init(&attributes);
        pthread_attr_setdetachstate(&attributes, PTHREAD_CREATE_DETACHED);
        int failed = pthread_create(&thread, &attributes, worker_main, (void *)worker_count);
        pthread_attr_destroy(&attributes);
        if (failed) break;
        worker_count += 1;
    }
    long count = worker_count;
    pthread_mutex_unlock(&pool_lock);
    return count;
}

void deeparc_run_parts(long parts, deeparc_part_body body, void *context) {
    if (parts <= 1) {
        if (parts == 1) body(context, 0);
        return;
    }
    bool expected = false;
    if (!atomic_compare_exchange_strong(&pool_busy, &expected, true)) {
        // Another caller owns the pool: run every part here.
        for (long part = 0; part < parts; ++part) body(context, part);
        return;
    }
    long workers = ensure_workers(parts - 1);
    long pooled = workers + 1 < parts ? workers + 1 : parts;
    pthread_mutex_lock(&pool_lock);
    job_body = body;
    job_context = context;
    job_parts = pooled;
    atomic_store_explicit(&parts_left, pooled - 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&job_generation, 1, memory_order_acq_rel);
    pthread_cond_broadcast(&pool_wake);
    pthread_mutex_unlock(&pool_lock);
    body(context, 0);
    for (long part = pooled; part < parts; ++part) body(context, part);
    while (atomic_load_explicit(&parts_left, memory_order_acquire) > 0) _mm_pause();
    atomic_store_explicit(&pool_busy, false, memory_order_release);
}

// MARK: - Loops

typedef struct {
    atomic_long next;
    long iterations;
    long grain;  // iterations claimed per atomic increment
    deeparc_part_body body;
    void *context;
} iteration_job;

static void run_iterations_part(void *context, long part) {
    (void)part;
    iteration_job *job = context;
    for (;;) {
        long first = atomic_fetch_add_explicit(&job->next, job->grain, memory_order_relaxed);
        if (first >= job->iterations) return;
        long end = first + job->grain < job->iterations ? first + job->grain : job->iterations;
        for (long index = first; index < end; ++index) job->body(job->context, index);
    }
}

void deeparc_run_iterations(long iterations, long threads, deeparc_part_body body, void *context) {
    if (iterations <= 0) return;
    long parts = threads < iterations ? threads : iterations;
    if (parts <= 1) {
        for (long index = 0; index < iterations; ++index) body(context, index);
        return;
    }
    // About eight claims per thread: few enough that the shared counter's cache line does not
    // bounce on every short iteration, enough to even out iterations of unequal cost.
    long grain = iterations / (parts * 8);
    iteration_job job = {
        .iterations = iterations, .grain = grain > 0 ? grain : 1, .body = body, .context = context};
    atomic_init(&job.next, 0);
    deeparc_run_parts(parts, run_iterations_part, &job);
}
