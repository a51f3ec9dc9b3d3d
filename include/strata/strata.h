/* strata/strata.h - everything public in one include: every header of
 * include/strata/ (interop.test_build_meta compiles a program against all of
 * them, installed). */
#ifndef STRATA_STRATA_H
#define STRATA_STRATA_H

#include "export.h"
#include "version.h"
/* base */
#include "status.h"
#include "error.h"
#include "mem.h"
#include "log.h"
#include "buf.h"
#include "passphrase.h"
/* the layer contract and the onion */
#include "layer.h"
#include "stack.h"
#include "http_connect.h"
#include "socks.h"
/* pki (pyOpenSSL's crypto module) */
#include "pki_types.h"
#include "pki.h"
#include "x509.h"
#include "x509_name.h"
#include "x509_ext.h"
#include "x509_req.h"
#include "store.h"
#include "pkey.h"
#include "crl.h"
#include "pkcs7.h"
#include "pkcs12.h"
#include "spki.h"
#include "rand.h"
/* tls (pyOpenSSL's SSL module) */
#include "tls.h"
#include "tls_conn.h"
#include "tls_layer.h"
#include "tls_socket.h"
/* ssh */
#include "ssh.h"
#include "ssh_auth.h"
#include "ssh_conn.h"
#include "ssh_client.h"
#include "ssh_layer.h"
#include "ssh_keys.h"
#include "ssh_knownhosts.h"
#include "ssh_agent.h"
#include "ssh_config.h"
#include "ssh_packet.h"
#include "ssh_forward.h"
#include "ssh_session.h"
#include "ssh_mux.h"
#include "kem.h"
/* io: the driver on libuv */
#include "sftp.h"
#include "sftp_io.h"
#include "scp.h"
#include "scp_io.h"
#include "io.h"

#endif
