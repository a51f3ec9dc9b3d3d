/* Internal: SSH message numbers (RFC 4250 §4.1) used by the transport. */
#ifndef STRATA_SSH_MSG_H
#define STRATA_SSH_MSG_H

enum {
    SSH_MSG_DISCONNECT = 1,
    SSH_MSG_IGNORE = 2,
    SSH_MSG_UNIMPLEMENTED = 3,
    SSH_MSG_DEBUG = 4,
    SSH_MSG_SERVICE_REQUEST = 5,
    SSH_MSG_SERVICE_ACCEPT = 6,
    SSH_MSG_EXT_INFO = 7, /* RFC 8308 */
    SSH_MSG_KEXINIT = 20,
    SSH_MSG_NEWKEYS = 21,
    /* 30..49: key exchange method specific (RFC 4253 §8, RFC 4419, RFC 5656). */
    SSH_MSG_KEXDH_INIT = 30,
    SSH_MSG_KEXDH_REPLY = 31,
    SSH_MSG_KEX_ECDH_INIT = 30,
    SSH_MSG_KEX_ECDH_REPLY = 31,
    SSH_MSG_KEX_DH_GEX_REQUEST_OLD = 30,
    SSH_MSG_KEX_DH_GEX_GROUP = 31,
    SSH_MSG_KEX_DH_GEX_INIT = 32,
    SSH_MSG_KEX_DH_GEX_REPLY = 33,
    SSH_MSG_KEX_DH_GEX_REQUEST = 34,
    /* 50 and up belong to the services above the transport. */
    SSH_MSG_USERAUTH_FIRST = 50,
};

#endif
