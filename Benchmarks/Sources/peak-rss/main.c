// peak-rss RESULT PROGRAM [ARG...]: runs PROGRAM and writes "<wait status> <peak RSS in KiB>" to the
// file RESULT.
//
// Why a separate small program: Linux starts a process's peak-RSS record (ru_maxrss) at the RSS of
// the address space it was created from. A child spawned by the benchmark (a large process) would
// report at least the benchmark's own size. Forked from this small program instead, the child's
// record starts at this program's few hundred KiB, so what comes back is the child's own peak.
#include <stdio.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <errno.h>

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: peak-rss RESULT PROGRAM [ARG...]\n");
        return 2;
    }
    pid_t pid = fork();
    if (pid < 0) return 1;
    if (pid == 0) {
        execv(argv[2], argv + 2);
        _exit(127);
    }
    int status = 0;
    struct rusage usage;
    while (wait4(pid, &status, 0, &usage) < 0) {
        if (errno != EINTR) return 1;
    }
    FILE *result = fopen(argv[1], "w");
    if (!result) return 1;
    fprintf(result, "%d %ld\n", status, usage.ru_maxrss);
    return fclose(result) == 0 ? 0 : 1;
}
