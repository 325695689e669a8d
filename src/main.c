/* tcpswarm: parses the subcommand and hands over. */
#include <stdio.h>
#include <string.h>

#include "tcpswarm/cli.h"
#include "tcpswarm/find.h"
#include "tcpswarm/merge.h"
#include "tcpswarm/probe.h"
#include "tcpswarm/run.h"

#ifndef TCPSWARM_VERSION
#define TCPSWARM_VERSION "0.0.0-dev"
#endif
/* the git revision CMake saw at configure time; empty outside a git tree */
#ifndef TCPSWARM_GIT_REV
#define TCPSWARM_GIT_REV ""
#endif

static void usage(FILE *out)
{
	fprintf(out, "usage: tcpswarm COMMAND [options]\n\n"
		     "Finds the limits of a TCP server under a huge number of clients and says which limit bound.\n\n"
		     "commands:\n"
		     "  server   accept on every core and answer (echo, sink, http, dns)\n"
		     "  client   open N connections at a set rate, send requests open loop, measure\n"
		     "  probe    read the kernel's limits; say how many connections a plan can reach and which binds first\n"
		     "  merge    merge client JSON reports of one plan (shards, machines) into one, exactly\n"
		     "  version  print the version\n\n"
		     "Run 'tcpswarm COMMAND --help' for a command's options.\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	const char *cmd = argv[1];
	if (!strcmp(cmd, "-h") || !strcmp(cmd, "--help") || !strcmp(cmd, "help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(cmd, "version") || !strcmp(cmd, "--version")) {
		if (TCPSWARM_GIT_REV[0])
			printf("tcpswarm %s (git %s)\n", TCPSWARM_VERSION, TCPSWARM_GIT_REV);
		else
			printf("tcpswarm %s\n", TCPSWARM_VERSION);
		return 0;
	}
	if (!strcmp(cmd, "client")) {
		struct client_config cfg;
		int rc = cli_parse_client(argc - 1, argv + 1, &cfg, stderr);
		if (rc != 0)
			srcset_free(&cfg.sources); /* client_run owns it otherwise */
		if (rc == 1) {
			cli_help_client(stdout);
			return 0;
		}
		if (rc < 0)
			return EXIT_USAGE;
		return cfg.find.kind ? find_run(&cfg) : client_run(&cfg);
	}
	if (!strcmp(cmd, "merge"))
		return merge_main(argc - 1, argv + 1);
	if (!strcmp(cmd, "probe"))
		return probe_main(argc - 1, argv + 1);
	if (!strcmp(cmd, "server")) {
		struct server_config cfg;
		int rc = cli_parse_server(argc - 1, argv + 1, &cfg, stderr);
		if (rc == 1) {
			cli_help_server(stdout);
			return 0;
		}
		return rc < 0 ? EXIT_USAGE : server_run(&cfg);
	}
	fprintf(stderr, "tcpswarm: unknown command '%s' (accepted: server, client, probe, merge, version; see tcpswarm --help)\n", cmd);
	return EXIT_USAGE;
}
