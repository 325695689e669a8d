/* tcpswarm probe: reads this host's kernel limits and says how many
 * connections a plan can reach and which limit binds first.
 *
 * The evaluation is pure: probe_evaluate() (probe_eval.c, probe_rows.c,
 * probe_ports.c) takes the limits (as read by kstat_read_limits or built by
 * hand), the memory size and a plan, and fills one row per limit; the port
 * row is the client's own plan (portplan.h), so probe and the client agree.
 * probe_print() (probe_print.c) renders the rows. Only probe_main()
 * (probe.c) reads the live system; its argv goes through cli_parse_probe. */
#ifndef TCPSWARM_PROBE_H
#define TCPSWARM_PROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "tcpswarm/config.h"
#include "tcpswarm/kstat.h"

/* Which sockets of the plan live on this host. */
enum probe_role {
	PROBE_ROLE_CLIENT, /* connecting sockets only (server elsewhere) */
	PROBE_ROLE_SERVER, /* accepted sockets only (clients elsewhere) */
	PROBE_ROLE_BOTH,   /* both ends here (loopback): two sockets a connection */
};

enum probe_verdict {
	PROBE_BINDS, /* the plan cannot fit under this limit */
	PROBE_WARN,  /* fits, but close, or binds under traffic / other conditions */
	PROBE_OK,
	PROBE_INFO,  /* does not cap the count; shown for the record */
	PROBE_NA,    /* absent on this kernel, or not on this host's side */
};

/* source_ips value: as many source IPs as the plan needs. */
#define PROBE_ANY_SOURCES UINT64_MAX
/* Spare descriptors a tcpswarm process keeps besides its sockets (stdio,
 * epoll, eventfds, report files). */
#define PROBE_FD_RESERVE 64

struct probe_plan {
	uint64_t conns;      /* connections to hold; 0 = no count: report what this shape holds */
	unsigned ntargets;   /* 0 counts as 1 */
	uint64_t source_ips; /* 0 = no --source (the kernel picks one); or PROBE_ANY_SOURCES */
	bool loopback;       /* every target is on this host (127.0.0.0/8, ::1) */
	bool ipv6;           /* a target (or the source) is IPv6: no 127.0.0.x sources */
	enum probe_role role;
	unsigned workers;    /* the client's reactor threads, whole run (probe_client_workers); 0 counts as 1 */
};

/* The parsed command line (cli_parse_probe). */
struct probe_config {
	uint64_t conns;      /* 0 = no count */
	const char *source;  /* --source as given, or NULL */
	struct srcset sources; /* parsed --source (cli_parse_probe fills it; the caller frees it) */
	int role;            /* enum probe_role, or -1 when not given */
	unsigned workers, processes; /* as the client's -w and --processes; 0 = its default */
	struct sockaddr_any targets[MAX_TARGETS];
	unsigned ntargets;
};

/* What the evaluation needs to know about this host beyond the limits. */
struct probe_host {
	uint64_t mem_bytes;  /* memory the sockets may use: RAM, or a lower cgroup limit; 0 = unknown */
	bool cap_sys_admin;  /* CAP_SYS_ADMIN in the initial user namespace: fs.file-max does not apply */
};

#define PROBE_MAX_ROWS 16

struct probe_row {
	const char *limit;   /* "ip_local_port_range" */
	char current[64];    /* the value now, as text */
	const char *caps;    /* what it limits */
	char max[32];        /* most connections it allows for the plan's shape, "-" if it caps none */
	uint64_t max_conns;  /* the same as a number; UINT64_MAX = does not cap the count */
	char needs[64];      /* what the plan needs of it; "-" without a count */
	enum probe_verdict v;
	double ratio;        /* need / limit: above 1 binds; 0 when not comparable */
	char note[512];      /* one explanation for the notes under the table, or "" */
	char fix[320];       /* what to change when it binds or warns, or "" */
};

/* One row per limit, binding rows first (farthest over their limit first),
 * then the rest (with a count: closest to its limit first; without: the
 * smallest max_conns first), info and n/a rows last. plan NULL = no plan:
 * one target, one source IP, client sockets only, no count. host NULL =
 * memory unknown, no capabilities. Returns the rows written (at most cap, at
 * most PROBE_MAX_ROWS). */
size_t probe_evaluate(const struct klimits *lim, const struct probe_host *host, const struct probe_plan *plan,
		      struct probe_row *rows, size_t cap);

/* The row with the smallest max_conns (the limit that binds first for the
 * shape), or NULL when none caps the count. */
const struct probe_row *probe_first_cap(const struct probe_row *rows, size_t n);

/* Exit status for the rows: 1 if any binds, else 0. */
int probe_status(const struct probe_row *rows, size_t n);

const char *probe_verdict_name(enum probe_verdict v); /* "ok", "BINDS", ... */
const char *probe_role_name(enum probe_role r);       /* "client", "server", "both" */

/* The plan line, the table, the notes and the verdict line(s). plan as for
 * probe_evaluate. */
void probe_print(FILE *out, const struct probe_row *rows, size_t n, const struct probe_plan *plan);

void probe_help(FILE *out);

/* The workers tcpswarm client runs for conns connections (all processes),
 * as its plan_processes() works them out: -w (0 = cpus per process) and
 * --processes (0 = auto, enough for RLIMIT_NOFILE, raised first from soft to
 * hard) - the count its port plan shards the sources over. */
unsigned probe_client_workers(uint64_t conns, unsigned workers, unsigned processes, unsigned cpus, int64_t nofile_soft,
			      int64_t nofile_hard);

/* Reads the host facts: RAM (or a lower cgroup v1/v2 memory limit; *cgroup
 * set when that limit was used, may be NULL) and CAP_SYS_ADMIN. */
void probe_read_host(struct probe_host *host, bool *cgroup);

/* The subcommand: argv[0] = "probe". Parses its flags, reads the live
 * limits, prints to stdout (usage errors to stderr). Returns the exit
 * status: 0 fits (or no plan), 1 a limit binds, 2 usage error. */
int probe_main(int argc, char **argv);

#endif
