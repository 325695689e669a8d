/* The server's checks across options, once every option is parsed. */
#include "cli_server.h"

#include <stdint.h>

int cli_server_check(const struct server_config *cfg, FILE *err)
{
	if (cfg->backlog == 0 || cfg->backlog > 0x7fffffff) {
		fprintf(err, "tcpswarm server: option --backlog: expected 1 to 2147483647\n");
		return -1;
	}
	/* the body still owed to a connection is a 32-bit count (struct sconn) */
	if (cfg->max_length > UINT32_MAX) {
		fprintf(err, "tcpswarm server: option --max-length: at most 4294967295 bytes (4 GiB - 1), e.g. 10k, 1MiB\n");
		return -1;
	}
	if (cfg->accept_batch_us > 1000000 && cfg->accept_batch_us != ACCEPT_BATCH_AUTO) {
		fprintf(err, "tcpswarm server: option --accept-batch: at most 1s (e.g. 5ms, or auto; 0 turns batching off)\n");
		return -1;
	}
	if (cfg->max_conns == 0) {
		fprintf(err, "tcpswarm server: option --max-conns: expected at least 1 connection (e.g. 250k)\n");
		return -1;
	}
	if ((cfg->stall_every_us != 0) != (cfg->stall_for_us != 0) || cfg->stall_for_us >= cfg->stall_every_us + !cfg->stall_every_us) {
		fprintf(err, "tcpswarm server: options --stall-every and --stall-for: give both, --stall-for shorter than --stall-every\n");
		return -1;
	}
	if (cfg->max_rate > 0 && (cfg->mode == MODE_ECHO || cfg->mode == MODE_SINK) && !cfg->max_rate_frame) {
		fprintf(err, "tcpswarm server: option --max-rate: echo and sink count requests in bytes: it goes with --max-rate-frame above 0\n");
		return -1;
	}
	return 0;
}
