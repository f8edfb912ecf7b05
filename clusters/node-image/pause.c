/* The pod sandbox ("pause") process, equivalent to kubernetes build/pause/linux/pause.c:
 * reap zombies, exit 0 on SIGINT/SIGTERM. Built statically: gcc -Os -static -o pause pause.c */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void sigdown(int signo) { psignal(signo, "Shutting down, got signal"); exit(0); }
static void sigreap(int signo) { (void)signo; while (waitpid(-1, NULL, WNOHANG) > 0) ; }

int main(int argc, char **argv) {
  if (argc > 1 && strcmp(argv[1], "-v") == 0) { printf("pause.c kube-chaos-harness\n"); return 0; }
  if (getpid() != 1) fprintf(stderr, "Warning: pause should be the first process\n");
  struct sigaction a = {0};
  a.sa_handler = sigdown;
  if (sigaction(SIGINT, &a, NULL) < 0) return 1;
  if (sigaction(SIGTERM, &a, NULL) < 0) return 2;
  struct sigaction r = {0};
  r.sa_handler = sigreap; r.sa_flags = SA_NOCLDSTOP;
  if (sigaction(SIGCHLD, &r, NULL) < 0) return 3;
  for (;;) pause();
  return 42;
}
