/* Loaded before libfaketime by `make test-dates` (see the Makefile).

   The suite runs with the system's wall clock moved (libfaketime, FAKETIME="+Nd") and the
   monotonic clock left real (FAKETIME_DONT_FAKE_MONOTONIC=1): a faked monotonic clock makes
   timed waits on locks and events (sem_clockwait, which libfaketime 0.9.10 does not
   intercept) wait for years. But with the monotonic clock left real, libfaketime 0.9.10
   answers Python's time.sleep (clock_nanosleep on CLOCK_MONOTONIC) with EINVAL. That clock
   is not faked, so its sleeps go straight to the kernel; every other clock's go on to
   libfaketime. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

int clock_nanosleep(clockid_t clk, int flags, const struct timespec *req, struct timespec *rem) {
    if (clk == CLOCK_MONOTONIC) {
        return syscall(SYS_clock_nanosleep, clk, flags, req, rem) == 0 ? 0 : errno;
    }
    int (*next)(clockid_t, int, const struct timespec *, struct timespec *) =
        (int (*)(clockid_t, int, const struct timespec *, struct timespec *))dlsym(
            RTLD_NEXT, "clock_nanosleep");
    return next(clk, flags, req, rem);
}
