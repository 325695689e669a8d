/* The counter list's pure side: names of the errno slots and close
 * reasons, and how one worker's counters combine into the totals. */
#include "tcpswarm/counters.h"

#include <errno.h>

static const struct {
	int err;
	const char *name;
} errnames[ES__COUNT] = {
	[ES_ECONNREFUSED] = {ECONNREFUSED, "ECONNREFUSED"}, [ES_ETIMEDOUT] = {ETIMEDOUT, "ETIMEDOUT"},
	[ES_ECONNRESET] = {ECONNRESET, "ECONNRESET"},       [ES_EADDRNOTAVAIL] = {EADDRNOTAVAIL, "EADDRNOTAVAIL"},
	[ES_EADDRINUSE] = {EADDRINUSE, "EADDRINUSE"},       [ES_EMFILE] = {EMFILE, "EMFILE"},
	[ES_ENFILE] = {ENFILE, "ENFILE"},                   [ES_ENOBUFS] = {ENOBUFS, "ENOBUFS"},
	[ES_ENOMEM] = {ENOMEM, "ENOMEM"},                   [ES_EHOSTUNREACH] = {EHOSTUNREACH, "EHOSTUNREACH"},
	[ES_ENETUNREACH] = {ENETUNREACH, "ENETUNREACH"},    [ES_EPIPE] = {EPIPE, "EPIPE"},
	[ES_EACCES] = {EACCES, "EACCES"},                   [ES_EPERM] = {EPERM, "EPERM"},
	[ES_EINVAL] = {EINVAL, "EINVAL"},                   [ES_EPROTO] = {EPROTO, "EPROTO"},
	[ES_OTHER] = {0, "other"},
};

static const char *const crnames[CR__COUNT] = {
	[CR_CONNECT_FAILED] = "connect_failed", [CR_CONNECT_TIMEOUT] = "connect_timeout",
	[CR_PEER_CLOSED] = "peer_closed",       [CR_RESET] = "reset",
	[CR_IO_ERROR] = "io_error",             [CR_PROTOCOL] = "protocol_error",
	[CR_NO_CARRY] = "no_carry_buffer",      [CR_RUN_END] = "run_end",
	[CR_LIFETIME] = "lifetime",             [CR_REQUESTS] = "requests_done",
	[CR_REQUEST_TIMEOUT] = "request_timeout", [CR_IDLE_TIMEOUT] = "idle_timeout",
	[CR_SCHEDULE] = "schedule",
	[CR_TLS_CERT] = "tls_certificate",      [CR_TLS_PROTOCOL] = "tls_protocol",
	[CR_TLS_TIMEOUT] = "tls_timeout",
};

enum errslot errslot_of(int err)
{
	for (int i = 0; i < ES_OTHER; i++)
		if (errnames[i].err == err)
			return (enum errslot)i;
	return ES_OTHER;
}

const char *errslot_name(enum errslot s) { return s < ES__COUNT ? errnames[s].name : "?"; }
const char *close_reason_name(enum close_reason r) { return r < CR__COUNT ? crnames[r] : "?"; }

/* the `how` of a COUNTER line */
static inline void combine_sum(uint64_t *total, uint64_t v) { *total += v; }
static inline void combine_max(uint64_t *total, uint64_t v)
{
	if (v > *total)
		*total = v;
}

void totals_add(struct totals *t, const struct wcounters *c)
{
#define ADD_ONE(name, how) combine_##how(&t->name, ctr_get(&c->name));
#define ADD_EACH(name, n)                          \
	for (size_t k = 0; k < (size_t)(n); k++) \
		t->name[k] += ctr_get(&c->name[k]);
	TCPSWARM_COUNTERS(ADD_ONE, ADD_EACH)
#undef ADD_ONE
#undef ADD_EACH
}

enum close_reason close_reason_of(int err)
{
	return err == ECONNRESET || err == EPIPE ? CR_RESET : CR_IO_ERROR;
}
