/*
 * pd_plugin.h: the Palladium plugin ABI, version 1, for C (docs/plugin-abi.md).
 *
 * Build a plugin with Debian's clang and lld, no libc:
 *   clang --target=wasm32 -O2 -nostdlib -mbulk-memory -Wl,--no-entry \
 *         -I packages/plugin/include -o plugin.wasm plugin.c
 * The module must define PD_ABI_MARKER once, and export pd_alloc and pd_on_message
 * (pd_on_start optional). It may import nothing but the functions below.
 *
 * Bytes cross as (pointer, length) pairs in the plugin's own memory. Messages and addresses
 * are msgpack values in the project codec's format (docs/envelope.md: an address is
 * msgpack ext type 0x41, 22 bytes). Host functions return a pd_status_t: PD_OK or a negative
 * error, never a trap; results of variable length are written into a block the host gets
 * from pd_alloc, its pointer and length stored at the two out-pointers.
 */
#ifndef PD_PLUGIN_H
#define PD_PLUGIN_H

#include <stdint.h>

#define PD_ABI_VERSION 1

typedef int32_t pd_status_t;

/* Status codes: host calls return them; pd_on_message and pd_on_start return PD_OK or PD_STOP. */
#define PD_OK 0            /* done */
#define PD_STOP 1          /* (returned by the plugin) stop this actor normally */
#define PD_BAD_POINTER -1  /* a pointer/length pair runs outside plugin memory */
#define PD_BAD_ENCODING -2 /* bytes that do not decode as a message (or an address) */
#define PD_DEAD -3         /* the target is not alive; the message became a dead letter */
#define PD_MAILBOX_FULL -4 /* the target's mailbox refused the message */
#define PD_NO_ASK -5       /* reply outside an ask, or a second reply */
#define PD_TOO_LARGE -6    /* a message above the plugin's maxMessageBytes */
#define PD_UNKNOWN_KIND -7 /* spawn of a kind nobody registered */
#define PD_ALLOC_FAILED -8 /* pd_alloc returned 0 or a block outside memory */
#define PD_LIMIT -9        /* a per-message quota (host calls, children, timers) is used up */
#define PD_BAD_ARGUMENT -10 /* an argument out of range (log level, delay) */
#define PD_DENIED -11      /* a capability the plugin was not granted (spawn of that kind) */

/* Log levels for pd_log. */
#define PD_LOG_TRACE 0
#define PD_LOG_DEBUG 1
#define PD_LOG_INFO 2
#define PD_LOG_WARN 3
#define PD_LOG_ERROR 4

#define PD_IMPORT(name) __attribute__((import_module("pd"), import_name(#name)))
#define PD_EXPORT(name) __attribute__((export_name(#name)))

/* --- host functions (import module "pd") --- */

/* Sends the message at msg to the address at to. */
PD_IMPORT(send) pd_status_t pd_send(const void *to, uint32_t to_len, const void *msg, uint32_t msg_len);
/* Replies to the message being handled, if it came from an ask. */
PD_IMPORT(reply) pd_status_t pd_reply(const void *msg, uint32_t msg_len);
/* This actor's own address, in a block from pd_alloc. */
PD_IMPORT(self) pd_status_t pd_self(void **out_ptr, uint32_t *out_len);
/* Spawns a child of the named kind with msgpack args (args_len 0: none); its address in a block from pd_alloc. */
PD_IMPORT(spawn) pd_status_t pd_spawn(const char *kind, uint32_t kind_len, const void *args, uint32_t args_len, void **out_ptr, uint32_t *out_len);
/* Sends the message to the address after delay_ms milliseconds (engine clock). */
PD_IMPORT(send_after) pd_status_t pd_send_after(const void *to, uint32_t to_len, const void *msg, uint32_t msg_len, int32_t delay_ms);
/* The engine clock, ms (virtual time under simulation). */
PD_IMPORT(now) double pd_now(void);
/* 32 random bits from the engine's seeded stream. */
PD_IMPORT(random) uint32_t pd_random(void);
/* Logs UTF-8 text at a level. */
PD_IMPORT(log) pd_status_t pd_log(int32_t level, const char *text, uint32_t len);

/* --- exports the plugin defines --- */

/* Defines the ABI version marker export (never called). Use once. */
#define PD_ABI_MARKER() PD_EXPORT(pd_abi_version_1) void pd_abi_version_1(void) {}

/* Returns a block of size bytes the host may fill, or 0. */
PD_EXPORT(pd_alloc) void *pd_alloc(uint32_t size);
/* Handles one msgpack-encoded message; returns PD_OK or PD_STOP (anything else ends the actor). */
PD_EXPORT(pd_on_message) pd_status_t pd_on_message(const uint8_t *msg, uint32_t len);
/* Optional: called once before the first message, with the msgpack spawn arguments (nil if none). */
PD_EXPORT(pd_on_start) pd_status_t pd_on_start(const uint8_t *args, uint32_t len);

#endif /* PD_PLUGIN_H */
