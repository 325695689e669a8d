/* The TLS options of the client and the server (cli_tls.c): their setters
 * for cli.c's tables, and after argv the checks across them and the TLS
 * context they build. Not a public header. */
#ifndef TCPSWARM_CLI_TLS_H
#define TCPSWARM_CLI_TLS_H

#include <stdio.h>

#include "tcpswarm/config.h"

int cli_tls_on(void *cfg, const char *v, char *err, size_t cap);
int cli_tls_sni(void *cfg, const char *v, char *err, size_t cap);
int cli_tls_ca(void *cfg, const char *v, char *err, size_t cap);
int cli_tls_insecure(void *cfg, const char *v, char *err, size_t cap);
int cli_tls_alpn(void *cfg, const char *v, char *err, size_t cap);
int cli_tls_resume(void *cfg, const char *v, char *err, size_t cap);
int cli_tls_cert(void *cfg, const char *v, char *err, size_t cap);
int cli_tls_key(void *cfg, const char *v, char *err, size_t cap);

/* After argv (targets resolved): 0, or -1 with one message on err. */
int cli_tls_client(struct client_config *cfg, FILE *err);
int cli_tls_server(struct server_config *cfg, FILE *err);

#endif
