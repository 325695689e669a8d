/* The server's checks across options, once every option is parsed. */
#include "cli_server.h"

int cli_server_check(const struct server_config *cfg, FILE *err)
{
	if (cfg->backlog == 0 || cfg->backlog > 0x7fffffff) {
		fprintf(err, "tcpswarm server: option --backlog: expected 1 to 2147483647\n");
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
