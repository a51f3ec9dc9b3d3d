/* strata/http_connect.h - the HTTP CONNECT layer (client role).
 *
 * Pushed on a stream to an HTTP proxy, it sends `CONNECT host:port` (with a
 * Basic Proxy-Authorization when a user is given), reads the proxy's reply
 * header, and from then on passes bytes through unchanged. Bytes that follow
 * the reply header in the same read are the tunnel's and go to the layer
 * above. A reply other than 2xx fails the layer with STRATA_E_PROXY_REFUSED
 * and a message carrying the status code and reason; a malformed or oversized
 * reply fails it with STRATA_E_PROTOCOL / STRATA_E_LIMIT.
 *
 * Application bytes written before the proxy answered are held (bounded) and
 * sent once the tunnel is up. The layer has no close of its own: shutting it
 * down closes nothing, and it ends when the stream beneath ends.
 */
#ifndef STRATA_HTTP_CONNECT_H
#define STRATA_HTTP_CONNECT_H

#include <stdint.h>
#include "export.h"
#include "status.h"
#include "layer.h"

#define STRATA_HTTP_CONNECT_HEADER_MAX 16384

typedef struct strata_http_connect_config {
    const char *host; /* tunnel target: a name, an IPv4 or an IPv6 address */
    uint16_t port;
    const char *user;  /* NULL: no proxy authorization */
    const char *pass;  /* with user; NULL is "" */
    size_t header_max; /* cap on the reply header; 0: STRATA_HTTP_CONNECT_HEADER_MAX */
} strata_http_connect_config;

/* Makes a layer; strings are copied (the password is wiped when the layer is
 * freed). The caller pushes *out with strata_stack_push, which then owns it. */
STRATA_API STRATA_MUST_CHECK strata_status
strata_http_connect_layer_new(const strata_http_connect_config *cfg, strata_layer *out);

#endif
