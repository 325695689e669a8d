#include "tcpswarm/diagnose.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "tcpswarm/portplan.h"
#include "tcpswarm/synq.h"

static void say(char *dst, size_t cap, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(dst, cap, fmt, ap);
	va_end(ap);
}

static uint64_t kd(const struct diag_input *in, enum kc c)
{
	return in->kdelta && in->kdelta->present[c] ? in->kdelta->v[c] : 0;
}

static int64_t lim(const struct diag_input *in, enum kl l, int i)
{
	return in->limits && in->limits->n[l] > i ? in->limits->v[l][i] : -1;
}

/* Above every count-weighted finding: what set the pace comes first. */
#define DIAG_TOP 2000000000

/* ListenOverflows and ListenDrops count for the whole host. This server's
 * own evidence is its listener's sampled queue at the effective backlog; a
 * client's is connects of its own that failed or timed out while the
 * target is on this host. Without it the counters are only a note. */
static bool own_queue_evidence(const struct diag_input *in)
{
	if (!in->is_client) /* its own listener at the limit is its own evidence */
		return in->backlog_effective > 0 && in->listen_queue_peak >= (uint64_t)in->backlog_effective;
	if (!kd(in, KC_LISTEN_OVERFLOWS) && !kd(in, KC_LISTEN_DROPS))
		return false; /* no handshake was dropped anywhere on this host */
	/* a dropped handshake shows on the client as a connect that timed out
	 * (SYN or final ACK lost, retransmitted until --connect-timeout), never
	 * as a refusal: ECONNREFUSED is a RST from a port nobody listens on */
	return in->target_loopback && (in->tot->close[CR_CONNECT_TIMEOUT] || in->tot->errs[ES_ETIMEDOUT]);
}

/* Run last, so among equal scores it ranks below every finding of its own. */
static void host_listen_note(const struct diag_input *in, struct diagnosis *d)
{
	uint64_t ovf = kd(in, KC_LISTEN_OVERFLOWS), drops = kd(in, KC_LISTEN_DROPS);
	if (!ovf || own_queue_evidence(in))
		return;
	struct finding *f = diag_add(d, "host_listen_overflow", 1);
	if (!f)
		return;
	char own[160];
	if (!in->is_client)
		say(own, sizeof(own), "this server's accept queue peaked at %" PRIu64 " of %d", in->listen_queue_peak,
		    in->backlog_effective);
	else if (!in->target_loopback)
		say(own, sizeof(own), "the target is not on this host, so this says nothing about its accept queue");
	else
		say(own, sizeof(own), "no connect of this client timed out");
	say(f->evidence, sizeof(f->evidence),
	    "ListenOverflows +%" PRIu64 ", ListenDrops +%" PRIu64 ": host counter moved; other processes may have "
	    "moved it (%s)", ovf, drops, own);
	say(f->fix, sizeof(f->fix), "none for this run; find the overflowing listener with ss -ltn (Recv-Q at Send-Q)");
}

static void accept_queue(const struct diag_input *in, struct diagnosis *d)
{
	uint64_t ovf = kd(in, KC_LISTEN_OVERFLOWS), drops = kd(in, KC_LISTEN_DROPS);
	if (!own_queue_evidence(in))
		return; /* at most the host-wide note */
	struct finding *f = diag_add(d, "accept_queue", ovf ? ovf : 1);
	if (!f)
		return;
	int64_t somax = lim(in, KL_SOMAXCONN, 0);
	char queue[160] = "";
	if (!in->is_client)
		say(queue, sizeof(queue), "; this server's accept queue peaked at %" PRIu64 " of %d", in->listen_queue_peak,
		    in->backlog_effective);
	else
		say(queue, sizeof(queue), "; %" PRIu64 " of this client's connects timed out against a target on this "
		    "host (the counters are host-wide: the server's own report says whether its queue filled)",
		    in->tot->close[CR_CONNECT_TIMEOUT]);
	say(f->evidence, sizeof(f->evidence),
	    "ListenOverflows +%" PRIu64 ", ListenDrops +%" PRIu64 " (host-wide): completed handshakes were dropped "
	    "because an accept queue was full%s (queue = min(listen backlog, net.core.somaxconn = %" PRId64 "))",
	    ovf, drops, queue, somax);
	say(f->fix, sizeof(f->fix),
	    "raise net.core.somaxconn (now %" PRId64 ") and the server's listen backlog, and make the server accept "
	    "faster (more accept threads); net.ipv4.tcp_abort_on_overflow=1 turns the silent drops into resets",
	    somax);
}

bool diag_generator_bound(uint64_t lag_p99_us, uint64_t max_send_lag_us, double worker_busy)
{
	return (max_send_lag_us && lag_p99_us > max_send_lag_us) || worker_busy >= DIAG_BUSY;
}

bool diag_shared_host(bool target_loopback, double host_busy) { return target_loopback && host_busy >= DIAG_BUSY; }

static double pct(double share) { return share < 0 ? -1 : share * 100; }

/* The client could not keep its request schedule (a run that sent no
 * request has no schedule to keep: connecting flat out is its job). */
static bool generator_bound(const struct diag_input *in)
{
	return in->is_client && in->sent && diag_generator_bound(in->lag_p99_us, in->max_send_lag_us, in->worker_busy);
}

/* The server held requests back (full socket buffers or windows) far longer
 * than the client's own lateness: then the client was late, but it was not
 * what bound the run, and the server's findings stand above it. */
static bool server_held(const struct diag_input *in)
{
	return in->all_lag_p99_us > 2 * in->lag_p99_us + in->max_send_lag_us;
}

/* Requests the schedule called for that were never sent, never answered or
 * answered wrong; the end of a run leaves a few unsent, far below 0.5%. */
/* Intended but never sent while the connection was up: the server did not
 * read (requests not sent while connections were down are not its reading). */
static uint64_t unsent_of(const struct diag_input *in)
{
	uint64_t sent = in->sent + in->not_sent_down;
	uint64_t unsent = in->intended > sent ? in->intended - sent : 0;
	return in->interrupted || unsent * 200 <= in->intended ? 0 : unsent;
}

/* Both ends on one saturated host, and the run fell short (its schedule
 * slipped, or requests went unsent or unanswered): the machine is the
 * limit. A saturated host that still served the run in full limited nothing. */
static void shared_host(const struct diag_input *in, struct diagnosis *d)
{
	if (!in->is_client || !diag_shared_host(in->target_loopback, in->host_busy))
		return;
	bool short_run = generator_bound(in) ||
			 unsent_of(in) || (!in->interrupted && in->tot->req_lost) || in->tot->req_errors;
	if (!short_run)
		return;
	struct finding *f = diag_add(d, "shared_host", 1);
	if (!f)
		return;
	if (!server_held(in))
		f->score = DIAG_TOP - 1; /* below target_gone: a busy host does not make a server vanish */
	double rest = in->host_share >= 0 ? in->host_busy - in->host_share : -1;
	say(f->evidence, sizeof(f->evidence),
	    "client and server share this host and its %u CPUs were %.0f%% busy over the load: the client's workers "
	    "took %.0f%% of the machine (%u workers, each %.0f%% busy), the server and everything else %.0f%%; "
	    "send lag p99 %" PRIu64 " us",
	    in->host_cpus, pct(in->host_busy), pct(in->host_share), in->workers, pct(in->worker_busy), pct(rest),
	    in->lag_p99_us);
	say(f->fix, sizeof(f->fix),
	    "the machine is the limit, not the server: run client and server on separate hosts, or pin them to "
	    "disjoint CPUs (taskset, -w), or lower -r");
}

/* The client could not keep its own schedule. */
static void generator(const struct diag_input *in, struct diagnosis *d)
{
	if (!generator_bound(in))
		return;
	struct finding *f = diag_add(d, "generator", 1);
	if (!f)
		return;
	if (!server_held(in))
		f->score = DIAG_TOP - 2;
	char host[96] = "", held[160] = "";
	if (in->host_busy >= 0)
		say(host, sizeof(host), "; host %.0f%% busy (%u CPUs)", pct(in->host_busy), in->host_cpus);
	if (server_held(in))
		say(held, sizeof(held), "; but requests the server held back (full buffers or window) left %" PRIu64
		    " us late at p99: the server bound the run", in->all_lag_p99_us);
	else if (in->worker_busy >= 0 && in->worker_busy < DIAG_BUSY)
		say(held, sizeof(held), ": the workers had CPU to spare, but their turns ran late (other work on this host?)");
	say(f->evidence, sizeof(f->evidence),
	    "send lag p99 %" PRIu64 " us of requests free to leave (--max-send-lag %" PRIu64 " us); client workers "
	    "%.0f%% busy (%u)%s%s",
	    in->lag_p99_us, in->max_send_lag_us, pct(in->worker_busy), in->workers, host, held);
	say(f->fix, sizeof(f->fix),
	    "the client set the pace, so latency and rate measure the client: give it more CPUs (-w) or machines, "
	    "or lower -r / -c per client");
}

/* The server's own SYN-RECV peak reached this kernel's ceiling (synq.h):
 * with syncookies off the 3/4-of-tcp_max_syn_backlog rule drops SYNs
 * counting only ListenDrops, so the peak is the evidence then. */
static bool syn_queue_at_ceiling(const struct diag_input *in, int64_t *ceil)
{
	*ceil = in->is_client || in->backlog_effective <= 0
			? -1
			: synq_ceiling(in->backlog_effective, in->backlog_effective, lim(in, KL_TCP_MAX_SYN_BACKLOG, 0),
				       lim(in, KL_TCP_SYNCOOKIES, 0));
	return *ceil > 0 && in->syn_recv_peak >= *ceil;
}

static void syn_queue(const struct diag_input *in, struct diagnosis *d)
{
	uint64_t drop = kd(in, KC_TCP_REQQ_FULL_DROP), cookies = kd(in, KC_TCP_REQQ_FULL_DO_COOKIES);
	uint64_t sent = kd(in, KC_SYNCOOKIES_SENT), recv = kd(in, KC_SYNCOOKIES_RECV);
	int64_t ceil;
	bool full = syn_queue_at_ceiling(in, &ceil);
	if (!drop && !cookies && !sent && !full)
		return;
	struct finding *f = diag_add(d, "syn_queue", drop + cookies + sent ? drop + cookies + sent : kd(in, KC_LISTEN_DROPS) + 1);
	if (!f)
		return;
	char peak[96] = "", how[160];
	if (in->syn_recv_peak > 0 && ceil > 0)
		say(peak, sizeof(peak), "; this server's SYN-RECV peaked at %" PRId64 " of %" PRId64, in->syn_recv_peak, ceil);
	if (cookies || sent)
		say(how, sizeof(how), "; connections survive through cookies (SyncookiesRecv +%" PRIu64 "; no window "
		    "scaling or SACK without timestamps)", recv);
	else
		say(how, sizeof(how), "; SYNs beyond it were dropped and clients retry after 1 s, 3 s, 7 s");
	say(f->evidence, sizeof(f->evidence),
	    "TCPReqQFullDrop +%" PRIu64 ", TCPReqQFullDoCookies +%" PRIu64 ", SyncookiesSent +%" PRIu64
	    ": the SYN queue filled (tcp_max_syn_backlog = %" PRId64 ", somaxconn, backlog); syncookies = %" PRId64
	    "%s%s",
	    drop, cookies, sent, lim(in, KL_TCP_MAX_SYN_BACKLOG, 0), lim(in, KL_TCP_SYNCOOKIES, 0), peak, how);
	say(f->fix, sizeof(f->fix),
	    "raise net.ipv4.tcp_max_syn_backlog and net.core.somaxconn and the listen backlog (" SYNQ_FORMULA
	    "); keep net.ipv4.tcp_syncookies=1 so a full queue answers with cookies instead of dropping");
}

/* tcp_abort_on_overflow: 0 drops the final ACK of a handshake the accept
 * queue has no room for (the client thinks it is connected and retransmits
 * until the server accepts: slow success); 1 answers it with a RST (the
 * client gets ECONNRESET at once: fast failure). */
static void abort_on_overflow(const struct diag_input *in, struct diagnosis *d)
{
	int64_t abort = lim(in, KL_TCP_ABORT_ON_OVERFLOW, 0);
	/* a reset connection is counted by its errno and by why it ended: the larger, not the sum */
	uint64_t resets = in->tot->close[CR_RESET] > in->tot->errs[ES_ECONNRESET] ? in->tot->close[CR_RESET]
										    : in->tot->errs[ES_ECONNRESET];
	bool server_full = !in->is_client && own_queue_evidence(in) && abort == 1;
	bool client_reset = in->is_client && resets && !in->answered;
	if (!server_full && !client_reset)
		return;
	struct finding *f = diag_add(d, "abort_on_overflow", server_full ? kd(in, KC_LISTEN_OVERFLOWS) + 1 : resets);
	if (!f)
		return;
	if (server_full)
		say(f->evidence, sizeof(f->evidence),
		    "net.ipv4.tcp_abort_on_overflow = 1 here and the accept queue was full (peak %" PRIu64 " of %d, "
		    "ListenOverflows +%" PRIu64 "): a final ACK it had no room for got a RST, so clients saw "
		    "ECONNRESET at once (with 0 the final ACK is dropped, the client retransmits until the server "
		    "accepts: slow success)",
		    in->listen_queue_peak, in->backlog_effective, kd(in, KC_LISTEN_OVERFLOWS));
	else
		say(f->evidence, sizeof(f->evidence),
		    "%" PRIu64 " connections were reset (ECONNRESET) right after connecting, before any answer: a "
		    "server with net.ipv4.tcp_abort_on_overflow=1 and a full accept queue does this (with 0 it "
		    "drops the final ACK and the connection succeeds late, after retransmits)", resets);
	say(f->fix, sizeof(f->fix),
	    "make the server accept faster or raise its backlog and net.core.somaxconn; keep "
	    "tcp_abort_on_overflow=0 (the default) unless clients should fail fast rather than wait");
}

/* TIME-WAIT sockets before and after the run: -1 when unknown. */
static int64_t tw_of(const struct sockstat *s)
{
	return s && s->present[SS_TCP_TW] ? (int64_t)s->v[SS_TCP_TW] : -1;
}

/* Under churn, our closes leave TIME-WAIT sockets that hold their ports
 * for 60 s: the ports finding says so. */
static void churn_note(const struct diag_input *in, char *out, size_t cap)
{
	out[0] = 0;
	if (in->churn_closes)
		say(out, cap, "; churn closed %" PRIu64 " connections, TIME-WAIT went from %" PRId64 " to %" PRId64
		    " (each holds its port for 60 s)", in->churn_closes, tw_of(in->sock_start), tw_of(in->sock));
}

static void ports(const struct diag_input *in, struct diagnosis *d)
{
	uint64_t n = in->tot->errs[ES_EADDRNOTAVAIL];
	if (!n)
		return;
	struct finding *f = diag_add(d, "ephemeral_ports", n);
	if (!f)
		return;
	int64_t lo = lim(in, KL_IP_LOCAL_PORT_RANGE, 0), hi = lim(in, KL_IP_LOCAL_PORT_RANGE, 1);
	bool known = lo > 0 && hi >= lo && hi <= 65535;
	uint64_t ips = in->source_ips ? in->source_ips : 1, tg = in->targets ? in->targets : 1;
	/* the workers are not known here: the plan's 100% fill figure, as the client's refusal gives it */
	struct portplan_input pin = { .conns = in->target_conns, .ntargets = (unsigned)tg, .nsources = in->source_ips,
				      .port_lo = known ? (uint32_t)lo : 1, .port_hi = known ? (uint32_t)hi : 0 };
	struct portplan pp;
	portplan_compute(&pin, &pp);
	uint64_t need = known ? pp.needed : 0;
	char spec[40], churn[160];
	portplan_loopback_spec(spec, sizeof(spec), need ? need : 1);
	churn_note(in, churn, sizeof(churn));
	say(f->evidence, sizeof(f->evidence),
	    "%" PRIu64 " connects failed with EADDRNOTAVAIL: net.ipv4.ip_local_port_range %" PRId64 "-%" PRId64
	    " gives %" PRIu64 " ports per (source IP, target); %" PRIu64 " connections over %" PRIu64
	    " target(s) need %" PRIu64 " source IP(s), the run had %" PRIu64 "%s",
	    n, lo, hi, pp.ports, in->target_conns, tg, need, ips, churn);
	say(f->fix, sizeof(f->fix),
	    "add source IPs (--source %s on loopback, or aliases on the interface), "
	    "add target ports, or widen net.ipv4.ip_local_port_range (e.g. 1024 65535)",
	    spec);
}

static void descriptors(const struct diag_input *in, struct diagnosis *d)
{
	uint64_t m = in->tot->errs[ES_EMFILE], nf = in->tot->errs[ES_ENFILE];
	if (m) {
		struct finding *f = diag_add(d, "descriptors", m);
		if (f) {
			say(f->evidence, sizeof(f->evidence),
			    "%" PRIu64 " sockets failed with EMFILE: this process reached RLIMIT_NOFILE (soft %" PRId64
			    ", hard %" PRId64 "); open connections peaked at %" PRIu64,
			    m, lim(in, KL_NOFILE_SOFT, 0), lim(in, KL_NOFILE_HARD, 0), in->peak_open);
			say(f->fix, sizeof(f->fix),
			    "raise the limit: ulimit -n (up to the hard limit; the hard limit needs root or "
			    "limits.conf/systemd LimitNOFILE, capped by fs.nr_open = %" PRId64 ")",
			    lim(in, KL_NR_OPEN, 0));
		}
	}
	if (nf) {
		struct finding *f = diag_add(d, "file_max", nf);
		if (f) {
			say(f->evidence, sizeof(f->evidence),
			    "%" PRIu64 " sockets failed with ENFILE: the system-wide file table is full (fs.file-max = %" PRId64
			    ", allocated %" PRId64 ")",
			    nf, lim(in, KL_FILE_MAX, 0), lim(in, KL_FILE_NR, 0));
			say(f->fix, sizeof(f->fix), "raise fs.file-max");
		}
	}
}

static void memory(const struct diag_input *in, struct diagnosis *d)
{
	uint64_t abort_mem = kd(in, KC_TCP_ABORT_ON_MEMORY), press = kd(in, KC_TCP_MEMORY_PRESSURES);
	uint64_t nobufs = in->tot->errs[ES_ENOBUFS] + in->tot->errs[ES_ENOMEM];
	if (!abort_mem && !press && !nobufs)
		return;
	struct finding *f = diag_add(d, "socket_memory", abort_mem + press + nobufs);
	if (!f)
		return;
	int64_t pages = in->sock && in->sock->present[SS_TCP_MEM_PAGES] ? (int64_t)in->sock->v[SS_TCP_MEM_PAGES] : -1;
	say(f->evidence, sizeof(f->evidence),
	    "TCPAbortOnMemory +%" PRIu64 ", TCPMemoryPressures +%" PRIu64 ", ENOBUFS/ENOMEM %" PRIu64
	    "; TCP memory %" PRId64 " pages against net.ipv4.tcp_mem %" PRId64 " %" PRId64 " %" PRId64
	    " (pressure at the second, limit at the third)",
	    abort_mem, press, nobufs, pages, lim(in, KL_TCP_MEM, 0), lim(in, KL_TCP_MEM, 1), lim(in, KL_TCP_MEM, 2));
	say(f->fix, sizeof(f->fix),
	    "raise net.ipv4.tcp_mem, or shrink per-socket buffers (net.ipv4.tcp_rmem / tcp_wmem); orphans count "
	    "against net.ipv4.tcp_max_orphans");
}

static void conntrack(const struct diag_input *in, struct diagnosis *d)
{
	int64_t cnt = lim(in, KL_NF_CONNTRACK_COUNT, 0), max = lim(in, KL_NF_CONNTRACK_MAX, 0);
	if (cnt < 0 || max <= 0 || cnt * 10 < max * 9)
		return;
	struct finding *f = diag_add(d, "conntrack", (uint64_t)cnt);
	if (!f)
		return;
	say(f->evidence, sizeof(f->evidence),
	    "nf_conntrack_count %" PRId64 " of nf_conntrack_max %" PRId64 ": new connections are dropped when full", cnt,
	    max);
	say(f->fix, sizeof(f->fix), "raise net.netfilter.nf_conntrack_max, or exempt the test traffic (iptables -t raw ... -j NOTRACK)");
}

/* TIME-WAIT binds only when a connect failed for it: EADDRINUSE, ports
 * exhausted while the bucket limit overflowed, or ports exhausted while our
 * own churn closes piled up TIME-WAIT sockets. TCPTimeWaitOverflow alone
 * means the kernel skipped TIME-WAIT for some closes, which costs nothing
 * (and on a loopback host it is often the peer's own teardown). */
static void time_wait(const struct diag_input *in, struct diagnosis *d)
{
	uint64_t ovf = kd(in, KC_TCP_TIME_WAIT_OVERFLOW), inuse = in->tot->errs[ES_EADDRINUSE];
	uint64_t noports = in->tot->errs[ES_EADDRNOTAVAIL];
	int64_t tw0 = tw_of(in->sock_start), tw1 = tw_of(in->sock);
	bool churn_tw = in->churn_closes && noports && tw0 >= 0 && tw1 > tw0;
	if (!inuse && !(ovf && noports) && !churn_tw)
		return;
	struct finding *f = diag_add(d, "time_wait", inuse + (noports ? ovf : 0) + (churn_tw ? noports + 1 : 0));
	if (!f)
		return;
	char churn[160];
	churn_note(in, churn, sizeof(churn));
	say(f->evidence, sizeof(f->evidence),
	    "TCPTimeWaitOverflow +%" PRIu64 ", EADDRINUSE %" PRIu64 ", EADDRNOTAVAIL %" PRIu64 "; sockets in TIME-WAIT %" PRId64
	    " (net.ipv4.tcp_max_tw_buckets = %" PRId64 ")%s",
	    ovf, inuse, noports, tw1, lim(in, KL_TCP_MAX_TW_BUCKETS, 0), churn);
	say(f->fix, sizeof(f->fix),
	    "reuse connections (keep-alive, longer --conn-lifetime or --conn-requests), close with --close rst, set "
	    "net.ipv4.tcp_tw_reuse=1 on the client, or add source IPs");
}

/* The target went away: while the run wanted -c connections, none could be
 * held or reopened for more than a second. */
static void target_gone(const struct diag_input *in, struct diagnosis *d)
{
	if (!in->is_client || !in->reconnect || !in->tot->conn_established || in->outage_ns <= 1000000000ULL)
		return;
	struct finding *f = diag_add(d, "target_gone", 1);
	if (!f)
		return;
	f->score = DIAG_TOP; /* nothing else this run measured matters once the target is gone */
	const struct totals *t = in->tot;
	say(f->evidence, sizeof(f->evidence),
	    "no connection could be held or reopened for %.1f s (of the run); connections ended by the peer %" PRIu64
	    ", reset %" PRIu64 ", connects refused %" PRIu64 ", timed out %" PRIu64 "; %" PRIu64
	    " intended requests could not be sent while connections were down",
	    (double)in->outage_ns / 1e9, t->close[CR_PEER_CLOSED], t->close[CR_RESET], t->errs[ES_ECONNREFUSED],
	    t->close[CR_CONNECT_TIMEOUT], in->not_sent_down);
	say(f->fix, sizeof(f->fix), "check that the target stayed up (crash, restart, OOM kill) and listening on the port");
}

static void refused(const struct diag_input *in, struct diagnosis *d)
{
	uint64_t n = in->tot->errs[ES_ECONNREFUSED];
	if (!n)
		return;
	struct finding *f = diag_add(d, "refused", n);
	if (!f)
		return;
	say(f->evidence, sizeof(f->evidence),
	    "%" PRIu64 " connects were refused (ECONNREFUSED, a RST to the SYN)%s", n,
	    lim(in, KL_TCP_ABORT_ON_OVERFLOW, 0) == 1 ? "; net.ipv4.tcp_abort_on_overflow=1 also answers a full accept queue with RST"
						   : "");
	say(f->fix, sizeof(f->fix), "check that the server listens on the target address and port");
}

static void timeouts(const struct diag_input *in, struct diagnosis *d)
{
	uint64_t n = in->tot->close[CR_CONNECT_TIMEOUT];
	if (!n)
		return;
	struct finding *f = diag_add(d, "connect_timeout", n / 2 + 1);
	if (!f)
		return;
	say(f->evidence, sizeof(f->evidence),
	    "%" PRIu64 " connects got no answer within --connect-timeout (SYN or SYN-ACK lost, or the handshake "
	    "completed into a full accept queue); SYN retransmits +%" PRIu64,
	    n, kd(in, KC_TCP_SYN_RETRANS));
	say(f->fix, sizeof(f->fix),
	    "look at the server's accept queue and SYN queue findings; lower --connect-rate or raise --connect-timeout");
}

static void resets(const struct diag_input *in, struct diagnosis *d)
{
	uint64_t n = in->tot->close[CR_RESET];
	if (!n)
		return;
	struct finding *f = diag_add(d, "resets", n);
	if (!f)
		return;
	say(f->evidence, sizeof(f->evidence),
	    "%" PRIu64 " established connections were reset by the peer; EstabResets +%" PRIu64 ", OutRsts +%" PRIu64, n,
	    kd(in, KC_ESTAB_RESETS), kd(in, KC_OUT_RSTS));
	say(f->fix, sizeof(f->fix), "see the peer's own diagnosis: resets come from its limits (memory, descriptors, idle timeouts)");
}

static void lost(const struct diag_input *in, struct diagnosis *d)
{
	uint64_t lost = in->interrupted ? 0 : in->tot->req_lost, err = in->tot->req_errors;
	/* open loop: requests due but never written mean the socket buffers
	 * stayed full, i.e. the server stopped reading. The end of a run leaves
	 * at most about one per connection per 100 us tick unsent, far below
	 * the 0.5% that counts here. */
	uint64_t unsent = unsent_of(in);
	if (!in->is_client || (!lost && !err && !unsent))
		return;
	/* requests the client itself could not send on time are not the server's */
	if (generator_bound(in) && !server_held(in))
		return;
	struct finding *f = diag_add(d, "server_throughput", lost + err + unsent);
	if (!f)
		return;
	if (unsent)
		say(f->evidence, sizeof(f->evidence),
		    "%" PRIu64 " of %" PRIu64 " intended requests were never sent (the connections' send buffers stayed "
		    "full: the server did not read them); median latency from intended send times %" PRIu64
		    " us; %" PRIu64 " lost, %" PRIu64 " mismatched",
		    unsent, in->intended, in->p50_us, lost, err);
	else
		say(f->evidence, sizeof(f->evidence),
		    "%" PRIu64 " requests got no answer before the end of --drain and %" PRIu64
		    " answers did not match (of %" PRIu64 " sent)",
		    lost, err, in->sent);
	say(f->fix, sizeof(f->fix),
	    "the server did not keep up with this rate: lower -r, or find its bottleneck (CPU, queues) with its own report");
}

static void server_accept(const struct diag_input *in, struct diagnosis *d)
{
	if (in->is_client || !in->tot->accept_errors || in->tot->errs[ES_EMFILE] || in->tot->errs[ES_ENFILE])
		return;
	struct finding *f = diag_add(d, "accept_errors", in->tot->accept_errors);
	if (f) {
		say(f->evidence, sizeof(f->evidence), "%" PRIu64 " accept() calls failed", in->tot->accept_errors);
		say(f->fix, sizeof(f->fix), "see the errors by errno above");
	}
}

void diagnose(const struct diag_input *in, struct diagnosis *d)
{
	d->n = 0;
	shared_host(in, d);
	generator(in, d);
	accept_queue(in, d);
	syn_queue(in, d);
	abort_on_overflow(in, d);
	ports(in, d);
	descriptors(in, d);
	memory(in, d);
	conntrack(in, d);
	diag_behind_one_address(in, d);
	if (!diag_has(d, "conntrack"))
		diag_conntrack_path(in, d);
	time_wait(in, d);
	target_gone(in, d);
	refused(in, d);
	timeouts(in, d);
	resets(in, d);
	lost(in, d);
	server_accept(in, d);
	host_listen_note(in, d);
	/* rank: insertion sort, stable, few entries */
	for (size_t i = 1; i < d->n; i++) {
		struct finding x = d->f[i];
		size_t j = i;
		while (j > 0 && d->f[j - 1].score < x.score) {
			d->f[j] = d->f[j - 1];
			j--;
		}
		d->f[j] = x;
	}
}
