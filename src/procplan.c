#include "tcpswarm/procplan.h"

static unsigned first_guess(const struct procplan_input *in)
{
	unsigned per_proc = in->workers ? in->workers : in->cpus ? in->cpus : 1;
	if (in->exact && in->conns && per_proc > in->conns)
		per_proc = (unsigned)in->conns;
	return per_proc;
}

static uint64_t div_up(uint64_t a, uint64_t b) { return b ? (a + b - 1) / b : 1; }

uint64_t procplan_want(const struct procplan_input *in)
{
	/* the headroom too: else a soft limit raised to just conns makes the
	 * plan below fan out over two processes for a few extra sockets */
	return in->conns + in->headroom + (uint64_t)first_guess(in) * in->fd_per_worker + PROCPLAN_FD_OVERHEAD;
}

enum procplan_verdict procplan_compute(const struct procplan_input *in, uint64_t avail, struct procplan *out)
{
	*out = (struct procplan){.per_proc = first_guess(in), .procs = 1, .avail = avail};
	out->overhead = (uint64_t)out->per_proc * in->fd_per_worker + PROCPLAN_FD_OVERHEAD;
	if (avail <= out->overhead + 1)
		return out->verdict = PROCPLAN_NOFILE_TOO_LOW;
	out->per = avail - out->overhead;
	uint64_t need = div_up(in->conns + in->headroom, out->per);
	out->need = need > UINT32_MAX ? UINT32_MAX : (unsigned)need; /* a tiny limit and a huge plan */
	if (out->need == 0)
		out->need = 1;
	out->procs = in->processes ? in->processes : out->need;
	if (!in->processes && out->need > PROCPLAN_AUTO_MAX)
		return out->verdict = PROCPLAN_AUTO_TOO_MANY;
	if (in->exact && in->processes && div_up(in->conns, out->procs) > out->per)
		return out->verdict = PROCPLAN_TOO_FEW;
	if (in->exact && in->conns && out->procs > in->conns)
		out->procs = (unsigned)in->conns;
	/* spread the CPUs over the processes instead of multiplying threads */
	if (out->procs > 1 && !in->workers)
		out->per_proc = in->cpus / out->procs ? in->cpus / out->procs : 1;
	if (in->exact && (uint64_t)out->procs * out->per_proc > in->conns)
		out->per_proc = 1;
	return out->verdict = PROCPLAN_OK;
}

uint64_t procplan_avail_after_raise(uint64_t want, int64_t soft, int64_t hard)
{
	if (soft == INT64_MAX)
		return UINT64_MAX >> 1;
	if (soft < 0)
		return 1024; /* unknown: the usual default */
	if ((uint64_t)soft >= want)
		return (uint64_t)soft;
	if (hard == INT64_MAX || hard < 0 || (uint64_t)hard > want)
		return want;
	return (uint64_t)hard;
}
