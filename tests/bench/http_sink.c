/* http_sink: many loopback HTTP/1.1 listeners in one epoll loop, for bench_prober.py.

     http_sink PORT COUNTS_FILE < addresses   (one IPv4 address a line)

   Listens on ADDRESS:PORT for every address read from stdin. Every request
   (up to the blank line; health probes send no body) gets
   "HTTP/1.1 200 OK" with a 3-byte body. The connection is kept open for more
   requests (HTTP/1.1 keep-alive) unless the request is HTTP/1.0 or says
   "Connection: close". A connection that closes without a request (a tcp check)
   is just closed. Twice a second it writes "REQUESTS ACCEPTS\n" (totals so
   far) at the start of COUNTS_FILE. Prints "ready\n" on stdout once every
   socket listens. Stop it with SIGTERM or SIGKILL. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum { kBuf = 4096 };

struct conn {
  int used;
  char buf[kBuf];
};

static unsigned char *is_listener;
static struct conn **conns;
static int max_fd;

static const char kKeep[] = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 3\r\n\r\nok\n";
static const char kClose[] =
    "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 3\r\nConnection: close\r\n\r\nok\n";

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void drop(int ep, int fd) {
  epoll_ctl(ep, EPOLL_CTL_DEL, fd, NULL);
  close(fd);
  if (conns[fd]) conns[fd]->used = 0;
}

/* Whether the request head in [p, end) asks to close after the answer. */
static int wants_close(const char *p, const char *end) {
  const char *line_end = memmem(p, end - p, "\r\n", 2);
  if (line_end && line_end - p >= 8 && memcmp(line_end - 8, "HTTP/1.0", 8) == 0) return 1;
  for (const char *q = p; q && q < end; q = memmem(q, end - q, "\r\n", 2)) {
    q += 2;
    if (end - q >= 17 && strncasecmp(q, "connection: close", 17) == 0) return 1;
  }
  return 0;
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: http_sink PORT COUNTS_FILE < addresses\n");
    return 2;
  }
  const int port = atoi(argv[1]);
  const int counts = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (counts < 0) {
    perror(argv[2]);
    return 1;
  }
  struct rlimit rl;
  getrlimit(RLIMIT_NOFILE, &rl);
  rl.rlim_cur = rl.rlim_max;
  setrlimit(RLIMIT_NOFILE, &rl);
  max_fd = (int)rl.rlim_cur;
  is_listener = calloc(max_fd, 1);
  conns = calloc(max_fd, sizeof *conns);
  const int ep = epoll_create1(0);
  char line[64];
  int listeners = 0;
  while (fgets(line, sizeof line, stdin)) {
    line[strcspn(line, "\r\n")] = 0;
    if (!*line) continue;
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port)};
    if (inet_pton(AF_INET, line, &sa.sin_addr) != 1) {
      fprintf(stderr, "http_sink: not an IPv4 address: %s\n", line);
      return 1;
    }
    const int s = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    const int one = 1;
    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (s < 0 || s >= max_fd || bind(s, (struct sockaddr *)&sa, sizeof sa) || listen(s, 1024)) {
      fprintf(stderr, "http_sink: %s:%d: %s\n", line, port, strerror(errno));
      return 1;
    }
    is_listener[s] = 1;
    struct epoll_event ev = {.events = EPOLLIN, .data.fd = s};
    epoll_ctl(ep, EPOLL_CTL_ADD, s, &ev);
    ++listeners;
  }
  printf("ready %d\n", listeners);
  fflush(stdout);

  unsigned long long requests = 0, accepts = 0;
  double next_write = 0;
  struct epoll_event events[256];
  for (;;) {
    const int n = epoll_wait(ep, events, 256, 200);
    for (int i = 0; i < n; ++i) {
      const int fd = events[i].data.fd;
      if (is_listener[fd]) {
        for (;;) {
          const int c = accept4(fd, NULL, NULL, SOCK_NONBLOCK);
          if (c < 0) break;
          if (c >= max_fd) {
            close(c);
            continue;
          }
          ++accepts;
          if (!conns[c]) conns[c] = malloc(sizeof(struct conn));
          conns[c]->used = 0;
          struct epoll_event ev = {.events = EPOLLIN, .data.fd = c};
          epoll_ctl(ep, EPOLL_CTL_ADD, c, &ev);
        }
        continue;
      }
      struct conn *cn = conns[fd];
      const ssize_t got = read(fd, cn->buf + cn->used, kBuf - cn->used);
      if (got <= 0) {
        if (got < 0 && errno == EAGAIN) continue;
        drop(ep, fd);
        continue;
      }
      cn->used += (int)got;
      char *p = cn->buf, *end = cn->buf + cn->used;
      int close_after = 0;
      char *head_end;
      while ((head_end = memmem(p, end - p, "\r\n\r\n", 4))) {
        ++requests;
        close_after = wants_close(p, head_end + 2);
        const char *reply = close_after ? kClose : kKeep;
        const size_t len = close_after ? sizeof kClose - 1 : sizeof kKeep - 1;
        if (write(fd, reply, len) != (ssize_t)len) close_after = 1;
        p = head_end + 4;
        if (close_after) break;
      }
      if (close_after || (p == cn->buf && cn->used == kBuf)) {
        drop(ep, fd);
        continue;
      }
      memmove(cn->buf, p, end - p);
      cn->used = (int)(end - p);
    }
    const double t = now_s();
    if (t >= next_write) {
      char text[64];
      const int len = snprintf(text, sizeof text, "%20llu %20llu\n", requests, accepts);
      if (pwrite(counts, text, len, 0) != len) return 1;
      next_write = t + 0.5;
    }
  }
}
