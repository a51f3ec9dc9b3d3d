/* strata/ssh_auth.h - SSH user authentication, client side (RFC 4252, RFC 4256,
 * RFC 8308, RFC 8332), sans-I/O.
 *
 * A strata_ssh_auth runs the "ssh-userauth" service once the transport has
 * accepted it. It never touches the transport directly: messages go out
 * through the send function of its config, and the caller hands it every
 * message numbered 50..79 the transport delivers (strata_ssh_auth_packet).
 *
 * Methods, tried in this order among those the server still lists:
 *   none             first, to learn the server's list (and accept a server
 *                    that needs nothing);
 *   publickey        each identity in turn: a query without signature first,
 *                    then, on PK_OK, the signed request. RSA keys sign with
 *                    rsa-sha2-512 or rsa-sha2-256 as the server's
 *                    server-sig-algs (RFC 8308) allows; certificates use the
 *                    -cert-v01@openssh.com names;
 *   keyboard-interactive  prompts answered by the prompt callback, which may
 *                    answer later (STRATA_PENDING, then _answer);
 *   password         the password from the prompt callback (may answer
 *                    later too), up to password_attempts times.
 * Partial success (a server that wants a key and then a password) goes on
 * with the methods the server names next.
 *
 * When nothing is left to try the engine fails with STRATA_E_AUTH and the
 * message reads like OpenSSH's: "Permission denied (publickey,password).".
 * A password change demand (SSH_MSG_USERAUTH_PASSWD_CHANGEREQ) fails with
 * E_AUTH and the server's prompt in the message.
 *
 * Errors are sticky, as everywhere in strata.
 */
#ifndef STRATA_SSH_AUTH_H
#define STRATA_SSH_AUTH_H

#include <stddef.h>
#include <stdint.h>
#include <openssl/types.h>

#include "buf.h"
#include "error.h"
#include "export.h"
#include "status.h"

typedef struct strata_ssh_auth strata_ssh_auth;

/* Sends one message of the layer above the transport (payload starts with
 * its message number; borrowed for the call). Usually a wrapper around
 * strata_ssh_transport_send. */
typedef strata_status (*strata_ssh_send_fn)(void *ctx, const uint8_t *payload, size_t n);

/* Signs data for publickey auth (an ssh-agent, a token, ...): appends the SSH
 * signature blob (string alg, string sig) to sig_out. alg is the algorithm
 * the engine chose ("rsa-sha2-512", "ssh-ed25519-cert-v01@openssh.com", ...).
 * Record detail in err. */
typedef strata_status (*strata_ssh_sign_fn)(void *ctx, const char *alg, const uint8_t *data,
                                            size_t n, strata_buf *sig_out, strata_error *err);

/* What a prompt is for. */
enum strata_ssh_prompt_kind {
    STRATA_SSH_PROMPT_PASSWORD = 1, /* one prompt, not echoed */
    STRATA_SSH_PROMPT_KBDINT = 2,   /* an INFO_REQUEST: name, instruction, n prompts */
    /* an encrypted key's passphrase, asked once the server accepted the
     * key: one prompt, "Enter passphrase for key 'COMMENT': ", not echoed;
     * attempt counts the tries for that key */
    STRATA_SSH_PROMPT_PASSPHRASE = 3,
};

/* Every pointer is borrowed and valid only during the callback. */
typedef struct strata_ssh_prompt {
    enum strata_ssh_prompt_kind kind;
    const char *user, *host; /* for "alice@host's password: " */
    const char *name;        /* keyboard-interactive name ("" when none) */
    const char *instruction; /* keyboard-interactive instruction ("" when none) */
    size_t n_prompts;
    const char *const *prompts; /* n_prompts texts */
    const int *echo;            /* n_prompts flags: 1 when the answer may be shown */
    unsigned attempt;           /* 1 for the first password prompt, 2 after a failure ... */
} strata_ssh_prompt;

/* Asks the user. Either answer now: set answers[0 .. n_prompts-1] to
 * NUL-terminated strings (copied by the engine before the callback returns
 * and wiped after use) and return STRATA_OK; or return STRATA_PENDING and
 * call strata_ssh_auth_answer later; or return STRATA_E_AUTH to decline
 * (the method is given up, the next one tried). */
typedef strata_status (*strata_ssh_prompt_fn)(void *user, const strata_ssh_prompt *p,
                                              const char **answers);

typedef struct strata_ssh_auth_config {
    const char *username; /* login name (copied); required */
    const char *host;     /* for prompts (copied); may be NULL */
    const char *service;  /* service to start after auth; NULL: "ssh-connection" */
    /* Methods we may use, in order of preference, as ssh_config(5)'s
     * PreferredAuthentications; NULL: "publickey,keyboard-interactive,password". */
    const char *methods;
    unsigned password_attempts; /* 0: 3 (NumberOfPasswordPrompts) */
    /* RSA: sign with ssh-rsa (SHA-1) when the server's server-sig-algs does
     * not list rsa-sha2-*; by default rsa-sha2-512 is used then. */
    int allow_rsa_sha1;
    /* ssh_config(5)'s PubkeyAcceptedAlgorithms, resolved (a plain list, see
     * strata_ssh_algorithms_resolve; copied): a key is offered only with a
     * signature algorithm in it. NULL: every algorithm. */
    const char *pubkey_algorithms;
    strata_ssh_send_fn send;
    void *send_ctx;
    strata_ssh_prompt_fn prompt; /* NULL: no password / keyboard-interactive */
    /* USERAUTH_BANNER text (borrowed for the call); NULL: ignored. */
    void (*banner)(void *user, const char *message);
    /* A method was refused / gave partial success (for -v output); may be NULL. */
    void (*progress)(void *user, const char *method, const char *detail);
    void *user; /* passed to prompt, banner, progress */
} strata_ssh_auth_config;

/* A new engine (*out owned by the caller; free with _free). cfg is read
 * during the call only. E_USAGE without user or send, or for an unknown
 * method name in methods. */
STRATA_API STRATA_MUST_CHECK strata_status strata_ssh_auth_new(const strata_ssh_auth_config *cfg,
                                                               strata_ssh_auth **out,
                                                               strata_error *err);
/* Frees a, its identities and any answers held. NULL is allowed. */
STRATA_API void strata_ssh_auth_free(strata_ssh_auth *a);

/* Adds a private key for publickey auth (a refusal's detail is in _error
 * until _start). priv is borrowed and up-referenced
 * (the caller may free its own reference). cert_blob (may be NULL) is an
 * OpenSSH user certificate for that key (copied); the certificate is offered
 * before the plain key. comment (copied, may be NULL) names the key in
 * messages. Identities are offered in the order added. */
STRATA_API STRATA_MUST_CHECK strata_status strata_ssh_auth_add_key(strata_ssh_auth *a,
                                                                   EVP_PKEY *priv,
                                                                   const uint8_t *cert_blob,
                                                                   size_t cert_len,
                                                                   const char *comment);
/* Adds a private key file (openssh-key-v1 or PEM, key_file copied) whose
 * passphrase is asked only if the server accepts the key, as OpenSSH does:
 * the key is offered by its public blob (pub_blob, copied; NULL for an
 * openssh-key-v1 file, which carries its public key in clear; an encrypted
 * PEM file needs its ".pub" blob), and on PK_OK the prompt callback is asked
 * with kind STRATA_SSH_PROMPT_PASSPHRASE, at once or later (STRATA_PENDING,
 * then strata_ssh_auth_answer with one answer). A wrong passphrase asks
 * again, up to password_attempts times for that key; a declined prompt, an
 * empty answer, no prompt callback or the last wrong answer skip the key and
 * the next identity or method is tried (each reported through progress). A
 * file that is not encrypted is parsed at once and added as by _add_key.
 * comment (copied, may be NULL) names the key in the prompt and messages.
 * Errors: the file's parse errors (E_FORMAT ...), E_SSH_KEY_ENCRYPTED for an
 * encrypted PEM file without pub_blob, E_USAGE for a pub_blob that does not
 * parse, is a certificate, or is not the key of a file that shows its key
 * (an OpenSSH file, a file that is not encrypted). For an encrypted PEM file
 * a wrong pub_blob is found only after the passphrase: the key is skipped. */
STRATA_API STRATA_MUST_CHECK strata_status
strata_ssh_auth_add_key_file(strata_ssh_auth *a, const uint8_t *key_file, size_t key_len,
                             const uint8_t *pub_blob, size_t pub_len, const char *comment);
/* Adds a public key (or certificate) blob (copied) whose signatures come from
 * sign (an agent). sign_ctx is borrowed and must live as long as a. */
STRATA_API STRATA_MUST_CHECK strata_status
strata_ssh_auth_add_signer(strata_ssh_auth *a, const uint8_t *blob, size_t blob_len,
                           strata_ssh_sign_fn sign, void *sign_ctx, const char *comment);

/* Starts: sends the "none" request. session_id (borrowed for the call) is
 * the transport's; server_sig_algs (may be NULL) its RFC 8308 list. Call
 * after SERVICE_ACCEPT for "ssh-userauth". */
STRATA_API STRATA_MUST_CHECK strata_status strata_ssh_auth_start(strata_ssh_auth *a,
                                                                 const uint8_t *session_id,
                                                                 size_t sid_len,
                                                                 const char *server_sig_algs);
/* A message numbered 50..79 from the transport (borrowed for the call).
 * STRATA_OK while authentication goes on or once it succeeded (check
 * _is_done), STRATA_PENDING when a prompt waits for _answer, or the error:
 * E_AUTH when every method failed, E_PROTOCOL / E_FORMAT for a message out
 * of place or malformed. */
STRATA_API STRATA_MUST_CHECK strata_status strata_ssh_auth_packet(strata_ssh_auth *a,
                                                                  const uint8_t *payload, size_t n);
/* Answers a pending prompt: n answers (NUL-terminated, copied; a
 * passphrase is used for the call and not kept). answers NULL
 * declines (the method is given up). */
STRATA_API STRATA_MUST_CHECK strata_status strata_ssh_auth_answer(strata_ssh_auth *a,
                                                                  const char *const *answers,
                                                                  size_t n);

/* 1 once USERAUTH_SUCCESS arrived. */
STRATA_API int strata_ssh_auth_is_done(const strata_ssh_auth *a);
/* 1 while a prompt waits for strata_ssh_auth_answer. */
STRATA_API int strata_ssh_auth_is_pending(const strata_ssh_auth *a);
/* The method that completed ("publickey" ...) once done, else NULL. Static. */
STRATA_API const char *strata_ssh_auth_method(const strata_ssh_auth *a);
/* The server's last method list ("publickey,password"), or "" (owned by a). */
STRATA_API const char *strata_ssh_auth_server_methods(const strata_ssh_auth *a);
/* The sticky error (status STRATA_OK when none); owned by a. */
STRATA_API const strata_error *strata_ssh_auth_error(const strata_ssh_auth *a);

#endif
