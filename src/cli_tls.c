/* The TLS options: --tls, --sni, --ca, --insecure, --alpn, --tls-resume
 * (client), --tls-cert, --tls-key (server). A binary built without OpenSSL
 * refuses --tls and --tls-cert at once; with it, the context is built
 * after argv so an unusable file stops the run before any load. */
#include "cli_tls.h"

#include "tcpswarm/tls.h"

static int refuse_missing(const char *opt, char *err, size_t cap)
{
	if (tls_built_in())
		return 0;
	(void)opt;
	snprintf(err, cap, TLS_MISSING_MSG);
	return -1;
}

int cli_tls_on(void *cfg, const char *v, char *err, size_t cap)
{
	(void)v;
	((struct client_config *)cfg)->tls = true;
	return refuse_missing("--tls", err, cap);
}

static int nonempty(const char *v, const char **out, char *err, size_t cap)
{
	if (!v[0]) {
		snprintf(err, cap, "expected a value, not an empty string");
		return -1;
	}
	*out = v;
	return 0;
}

int cli_tls_sni(void *cfg, const char *v, char *err, size_t cap)
{
	return nonempty(v, &((struct client_config *)cfg)->tls_sni, err, cap);
}

int cli_tls_ca(void *cfg, const char *v, char *err, size_t cap)
{
	return nonempty(v, &((struct client_config *)cfg)->tls_ca, err, cap);
}

int cli_tls_insecure(void *cfg, const char *v, char *err, size_t cap)
{
	(void)v, (void)err, (void)cap;
	((struct client_config *)cfg)->tls_insecure = true;
	return 0;
}

int cli_tls_alpn(void *cfg, const char *v, char *err, size_t cap)
{
	return nonempty(v, &((struct client_config *)cfg)->tls_alpn, err, cap);
}

int cli_tls_resume(void *cfg, const char *v, char *err, size_t cap)
{
	(void)v, (void)err, (void)cap;
	((struct client_config *)cfg)->tls_resume = true;
	return 0;
}

int cli_tls_cert(void *cfg, const char *v, char *err, size_t cap)
{
	if (nonempty(v, &((struct server_config *)cfg)->tls_cert, err, cap) < 0)
		return -1;
	return refuse_missing("--tls-cert", err, cap);
}

int cli_tls_key(void *cfg, const char *v, char *err, size_t cap)
{
	return nonempty(v, &((struct server_config *)cfg)->tls_key, err, cap);
}

/* One TLS option given without --tls (or an https:// target): its name. */
static const char *without_tls(const struct client_config *c)
{
	return c->tls_sni ? "--sni" : c->tls_ca ? "--ca" : c->tls_insecure ? "--insecure"
			: c->tls_alpn ? "--alpn" : c->tls_resume ? "--tls-resume" : NULL;
}

int cli_tls_client(struct client_config *cfg, FILE *err)
{
	if (!cfg->tls) {
		const char *opt = without_tls(cfg);
		if (opt)
			fprintf(err, "tcpswarm client: option %s: needs --tls (or an https:// target)\n", opt);
		return opt ? -1 : 0;
	}
	if (cfg->tls_insecure && cfg->tls_ca) {
		fprintf(err, "tcpswarm client: options --insecure and --ca exclude each other: --ca verifies against FILE, "
			     "--insecure verifies nothing\n");
		return -1;
	}
	char e[400];
	if (tls_client_ctx_new(cfg, e, sizeof(e)) < 0) {
		fprintf(err, "tcpswarm client: %s\n", e);
		return -1;
	}
	return 0;
}

int cli_tls_server(struct server_config *cfg, FILE *err)
{
	if (!cfg->tls_cert && !cfg->tls_key)
		return 0;
	char e[400];
	if (tls_server_ctx_new(cfg, e, sizeof(e)) < 0) {
		fprintf(err, "tcpswarm server: %s\n", e);
		return -1;
	}
	return 0;
}
