/*
 * A token-bucket rate limiter plugin in C. Spawn arguments: [capacity, refill_per_second]
 * (default [10, 1]). Every ask is answered true when a token is available (and takes it),
 * false otherwise. Time comes from the engine clock, so under simulation it is virtual
 * and the answers replay exactly.
 */
#include "pd_plugin.h"

PD_ABI_MARKER()

/* A bump arena the host fills; emptied when each handler returns. */
static uint8_t arena[65536];
static uint32_t arena_top;

void *pd_alloc(uint32_t size) {
  uint32_t aligned = (size + 7u) & ~7u;
  if (aligned > sizeof(arena) - arena_top) return 0;
  void *p = &arena[arena_top];
  arena_top += aligned;
  return p;
}

static double capacity = 10, refill_per_ms = 0.001, tokens = 10, last_ms;

/* Reads a msgpack unsigned integer at *p (fixint, uint8, uint16, uint32); -1 if it is not one. */
static int64_t read_uint(const uint8_t **p, const uint8_t *end) {
  if (*p >= end) return -1;
  uint8_t b = *(*p)++;
  if (b <= 0x7f) return b;
  int n = b == 0xcc ? 1 : b == 0xcd ? 2 : b == 0xce ? 4 : 0;
  if (n == 0 || *p + n > end) return -1;
  int64_t v = 0;
  for (int i = 0; i < n; i++) v = (v << 8) | *(*p)++;
  return v;
}

static pd_status_t finish(pd_status_t status) {
  arena_top = 0;
  return status;
}

pd_status_t pd_on_start(const uint8_t *args, uint32_t len) {
  const uint8_t *p = args, *end = args + len;
  if (len > 0 && *p == 0x92) {
    p++;
    int64_t cap = read_uint(&p, end), rate = read_uint(&p, end);
    if (cap > 0) capacity = (double)cap;
    if (rate >= 0) refill_per_ms = (double)rate / 1000.0;
  }
  tokens = capacity;
  last_ms = pd_now();
  static const char hello[] = "rate limiter started";
  pd_log(PD_LOG_INFO, hello, sizeof(hello) - 1);
  return finish(PD_OK);
}

pd_status_t pd_on_message(const uint8_t *msg, uint32_t len) {
  (void)msg;
  (void)len;
  double now = pd_now();
  tokens += (now - last_ms) * refill_per_ms;
  if (tokens > capacity) tokens = capacity;
  last_ms = now;
  uint8_t answer = 0xc2; /* msgpack false */
  if (tokens >= 1.0) {
    tokens -= 1.0;
    answer = 0xc3; /* msgpack true */
  }
  pd_reply(&answer, 1);
  return finish(PD_OK);
}
