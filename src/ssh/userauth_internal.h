/* Internal: the user-auth engine's state, shared by userauth.c (the flow),
 * userauth_pubkey.c (publickey) and userauth_prompt.c (password and
 * keyboard-interactive). */
#ifndef STRATA_SSH_USERAUTH_INTERNAL_H
#define STRATA_SSH_USERAUTH_INTERNAL_H

#include "strata/ssh_auth.h"

/* RFC 4250 §4.1.2 / RFC 4252 / RFC 4256 message numbers. Number 60 means
 * PK_OK, PASSWD_CHANGEREQ or INFO_REQUEST depending on the method in flight. */
enum {
    SSH_MSG_USERAUTH_REQUEST = 50,
    SSH_MSG_USERAUTH_FAILURE = 51,
    SSH_MSG_USERAUTH_SUCCESS = 52,
    SSH_MSG_USERAUTH_BANNER = 53,
    SSH_MSG_USERAUTH_60 = 60,
    SSH_MSG_USERAUTH_INFO_RESPONSE = 61,
};

/* Bounds on what the server may send us. */
#define SSH_AUTH_METHODS_MAX 1024u /* bytes of the FAILURE method list */
#define SSH_AUTH_KBD_PROMPTS_MAX 64u
#define SSH_AUTH_REQUESTS_MAX 64u /* requests per connection before we give up */

enum ssh_auth_method { M_NONE, M_PUBKEY, M_KBD, M_PASSWORD, M__COUNT };

struct ssh_ident {
    uint8_t *blob; /* public key or certificate blob */
    size_t blob_len;
    char *type;     /* the blob's key type name */
    EVP_PKEY *priv; /* NULL for a signer */
    strata_ssh_sign_fn sign;
    void *sign_ctx;
    char *comment;
    uint8_t *key_file; /* an encrypted key file, parsed once its passphrase comes */
    size_t key_file_len;
    unsigned pp_tries; /* passphrase prompts for it so far */
};

enum ssh_auth_state { A_IDLE, A_WAIT, A_PENDING, A_DONE, A_FAILED };

struct strata_ssh_auth {
    strata_error err;
    enum ssh_auth_state state;
    char *user, *host, *service;
    enum ssh_auth_method prefs[M__COUNT];
    size_t n_prefs;
    unsigned password_attempts;
    int allow_rsa_sha1;
    char *accepted; /* PubkeyAcceptedAlgorithms, or NULL (all) */
    strata_ssh_send_fn send;
    void *send_ctx;
    strata_ssh_prompt_fn prompt;
    void (*banner)(void *user, const char *message);
    void (*progress)(void *user, const char *method, const char *detail);
    void *cb_user;

    struct ssh_ident *ids;
    size_t n_ids, cap_ids, next_id;
    unsigned pw_tries, kbd_tries, requests;

    uint8_t *sid;
    size_t sid_len;
    char *sig_algs;       /* server-sig-algs, or NULL */
    char *server_methods; /* last FAILURE list */

    enum ssh_auth_method cur; /* method of the request in flight */
    size_t cur_id;            /* publickey: the identity in flight */
    const char *cur_alg;      /* publickey: its algorithm (static) */
    int cur_signed;           /* publickey: the request in flight was signed */
    size_t pend_n;            /* answers expected by _answer */
    int pend_passphrase;      /* the pending prompt is an encrypted key's passphrase */
    const char *done_method;
};

const char *strata__ssh_auth_method_name(enum ssh_auth_method m);
/* Records a failure, moves to A_FAILED and returns st. */
strata_status strata__ssh_auth_fail(struct strata_ssh_auth *a, strata_status st, const char *fmt,
                                    ...) STRATA_PRINTF(3, 4);
/* Starts a USERAUTH_REQUEST for method into b: byte 50, user, service, method. */
strata_status strata__ssh_auth_req_head(struct strata_ssh_auth *a, strata_buf *b,
                                        const char *method);
/* Sends b's bytes (and counts the request). */
strata_status strata__ssh_auth_send(struct strata_ssh_auth *a, const strata_buf *b);
/* A prompt of one answer, not echoed (password, passphrase); text is
 * borrowed and must outlive the prompt's use. */
strata_ssh_prompt strata__ssh_auth_hidden_prompt(const struct strata_ssh_auth *a,
                                                 enum strata_ssh_prompt_kind kind,
                                                 const char *const *text, unsigned attempt);
/* The passphrase answered for the encrypted key in flight (NULL: declined):
 * decrypts it and signs, asks again, or skips the key. */
strata_status strata__ssh_auth_pk_passphrase(struct strata_ssh_auth *a, const char *pass);
/* 1 when the comma list holds name. */
int strata__ssh_list_has(const char *list, const char *name);
/* Replaces control characters (other than newline and tab) by '?', so a
 * server cannot drive the user's terminal. */
void strata__ssh_auth_sanitize(char *s);
/* Gives up the method in flight (a prompt was declined) and starts the next. */
strata_status strata__ssh_auth_give_up(struct strata_ssh_auth *a);

/* publickey (userauth_pubkey.c) */
/* The signature algorithm for identity id given server-sig-algs, or NULL
 * when the server accepts none we may use. */
const char *strata__ssh_auth_pick_alg(const struct strata_ssh_auth *a, const struct ssh_ident *id);
/* Sends the query for identity a->cur_id. */
strata_status strata__ssh_auth_pk_query(struct strata_ssh_auth *a);
/* PK_OK arrived: checks it echoes our query and sends the signed request. */
strata_status strata__ssh_auth_pk_ok(struct strata_ssh_auth *a, strata_buf *msg);
void strata__ssh_ident_clear(struct ssh_ident *id);

/* password and keyboard-interactive (userauth_prompt.c) */
strata_status strata__ssh_auth_password_start(struct strata_ssh_auth *a);
strata_status strata__ssh_auth_kbd_start(struct strata_ssh_auth *a);
strata_status strata__ssh_auth_info_request(struct strata_ssh_auth *a, strata_buf *msg);
strata_status strata__ssh_auth_passwd_changereq(struct strata_ssh_auth *a, strata_buf *msg);
/* Sends the answers for the prompt in flight (n must be a->pend_n). */
strata_status strata__ssh_auth_send_answers(struct strata_ssh_auth *a, const char *const *answers,
                                            size_t n);

#endif
