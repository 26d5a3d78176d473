/*
 * The cost floor of a UDP DNS server on this machine: receive a batch of
 * datagrams, answer each, send the batch back, with no parsing at all.
 *
 * Usage: floor_responder ADDRESS PORT [THREADS]
 *
 * Each "answer" is the query itself with the QR bit set (byte 2 |= 0x80),
 * sent back whole: same ID, same flags otherwise (RD kept, no AA), same
 * counts, the question and anything after it (an EDNS OPT record) echoed.
 * A client that counts rcodes sees NOERROR. Datagrams shorter than a DNS
 * header (12 bytes) are dropped. Nothing else is looked at.
 *
 * Each thread owns one UDP socket (SO_REUSEPORT when THREADS > 1, so the
 * kernel spreads clients over them as it does for servers with a socket per
 * worker) and loops: blocking recvmmsg of up to 32 datagrams (MSG_WAITFORONE:
 * wait for the first, take what is queued) then one sendmmsg. With one thread
 * the main thread serves. It runs until killed.
 *
 * Built by tests/bench/bench_core.sh: cc -O2 -pthread floor_responder.c.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

enum { BATCH = 32, BUFSIZE = 4096, HEADER = 12 };

static struct sockaddr_in listen_address;
static int reuse_port;

static int open_socket(void) {
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  if (fd < 0) {
    perror("floor_responder: socket");
    exit(1);
  }
  int one = 1;
  if (reuse_port && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0) {
    perror("floor_responder: SO_REUSEPORT");
    exit(1);
  }
  if (bind(fd, (struct sockaddr *)&listen_address, sizeof listen_address) != 0) {
    perror("floor_responder: bind");
    exit(1);
  }
  return fd;
}

static void *serve(void *arg) {
  int fd = (int)(long)arg;
  static __thread unsigned char buffers[BATCH][BUFSIZE];
  struct sockaddr_in peers[BATCH];
  struct iovec in_iov[BATCH], out_iov[BATCH];
  struct mmsghdr in[BATCH], out[BATCH];
  for (int i = 0; i < BATCH; i++) {
    in_iov[i].iov_base = buffers[i];
    in_iov[i].iov_len = BUFSIZE;
    memset(&in[i], 0, sizeof in[i]);
    in[i].msg_hdr.msg_iov = &in_iov[i];
    in[i].msg_hdr.msg_iovlen = 1;
    in[i].msg_hdr.msg_name = &peers[i];
    in[i].msg_hdr.msg_namelen = sizeof peers[i];
  }
  for (;;) {
    int n = recvmmsg(fd, in, BATCH, MSG_WAITFORONE, NULL);
    if (n < 0) {
      if (errno == EINTR) continue;
      perror("floor_responder: recvmmsg");
      exit(1);
    }
    int m = 0;
    for (int i = 0; i < n; i++) {
      unsigned len = in[i].msg_len;
      if (len < HEADER) continue;
      buffers[i][2] |= 0x80; /* QR: this is a response */
      out_iov[m].iov_base = buffers[i];
      out_iov[m].iov_len = len;
      memset(&out[m], 0, sizeof out[m]);
      out[m].msg_hdr.msg_iov = &out_iov[m];
      out[m].msg_hdr.msg_iovlen = 1;
      out[m].msg_hdr.msg_name = &peers[i];
      out[m].msg_hdr.msg_namelen = in[i].msg_hdr.msg_namelen;
      m++;
    }
    for (int i = 0; i < n; i++) in[i].msg_hdr.msg_namelen = sizeof peers[i]; /* the kernel wrote it */
    for (int sent = 0; sent < m;) {
      int k = sendmmsg(fd, out + sent, (unsigned)(m - sent), 0);
      if (k < 0) {
        if (errno == EINTR) continue;
        break; /* a full socket buffer or an unreachable peer: drop the rest, as a server would */
      }
      sent += k;
    }
  }
  return NULL;
}

int main(int argc, char **argv) {
  if (argc < 3 || argc > 4) {
    fprintf(stderr, "usage: %s ADDRESS PORT [THREADS]\n", argv[0]);
    return 2;
  }
  int threads = argc == 4 ? atoi(argv[3]) : 1;
  if (threads < 1 || threads > 64) {
    fprintf(stderr, "floor_responder: THREADS must be 1..64\n");
    return 2;
  }
  memset(&listen_address, 0, sizeof listen_address);
  listen_address.sin_family = AF_INET;
  listen_address.sin_port = htons((unsigned short)atoi(argv[2]));
  if (inet_pton(AF_INET, argv[1], &listen_address.sin_addr) != 1) {
    fprintf(stderr, "floor_responder: bad IPv4 address %s\n", argv[1]);
    return 2;
  }
  reuse_port = threads > 1;
  int fds[64];
  for (int t = 0; t < threads; t++) fds[t] = open_socket(); /* all bound before any serves */
  for (int t = 1; t < threads; t++) {
    pthread_t thread;
    if (pthread_create(&thread, NULL, serve, (void *)(long)fds[t]) != 0) {
      fprintf(stderr, "floor_responder: pthread_create failed\n");
      return 1;
    }
  }
  serve((void *)(long)fds[0]);
  return 0;
}
