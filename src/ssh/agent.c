/* ssh-agent client protocol codec (draft-miller-ssh-agent §3-5), sans-I/O.
 * Every message is framed as uint32 length || byte type || contents. */
#include <stdlib.h>
#include <string.h>

#include "base/error_internal.h"
#include "strata/ssh_agent.h"
#include "ssh/keyfile.h"

/* Appends uint32 length || body. */
static strata_status put_frame(strata_buf *out, const strata_buf *body)
{
    if (strata_buf_len(body) > STRATA_SSH_AGENT_MSG_MAX)
        return STRATA_E_LIMIT;
    return strata_buf_put_stringb(out, body);
}

strata_status strata_ssh_agent_request_identities(strata_buf *out)
{
    strata_status r;
    if ((r = strata_buf_put_u32(out, 1)) != STRATA_OK)
        return r;
    return strata_buf_put_u8(out, STRATA_SSH_AGENTC_REQUEST_IDENTITIES);
}

strata_status strata_ssh_agent_request_sign(strata_buf *out, const uint8_t *blob, size_t n,
                                            const uint8_t *data, size_t dn, uint32_t flags)
{
    strata_buf body;
    strata_status r;
    if (n > STRATA_SSH_AGENT_MSG_MAX || dn > STRATA_SSH_AGENT_MSG_MAX)
        return STRATA_E_LIMIT;
    strata_buf_init(&body, STRATA_SSH_AGENT_MSG_MAX);
    if ((r = strata_buf_put_u8(&body, STRATA_SSH_AGENTC_SIGN_REQUEST)) == STRATA_OK &&
        (r = strata_buf_put_string(&body, blob, n)) == STRATA_OK &&
        (r = strata_buf_put_string(&body, data, dn)) == STRATA_OK &&
        (r = strata_buf_put_u32(&body, flags)) == STRATA_OK)
        r = put_frame(out, &body);
    strata_buf_free(&body);
    return r;
}

strata_status strata_ssh_agent_request_add(strata_buf *out, const strata_ssh_privkey *k,
                                           strata_error *err)
{
    strata_buf body;
    strata_status r;
    strata_buf_init(&body, STRATA_SSH_AGENT_MSG_MAX);
    strata_buf_set_secret(&body);
    if ((r = strata_buf_put_u8(&body, STRATA_SSH_AGENTC_ADD_IDENTITY)) != STRATA_OK ||
        (r = strata_buf_put_cstring(&body, k->type->name)) != STRATA_OK) {
        r = strata__error_set(err, r, "agent request too large");
        goto out;
    }
    if ((r = k->type->put_priv(k->type, k->pkey, &body, err)) != STRATA_OK)
        goto out;
    if ((r = strata_buf_put_cstring(&body, k->comment)) != STRATA_OK ||
        (r = put_frame(out, &body)) != STRATA_OK)
        r = strata__error_set(err, r, "agent request too large");
out:
    strata_buf_free(&body);
    return r;
}

strata_status strata_ssh_agent_request_remove(strata_buf *out, const uint8_t *blob, size_t n)
{
    strata_buf body;
    strata_status r;
    if (n > STRATA_SSH_AGENT_MSG_MAX)
        return STRATA_E_LIMIT;
    strata_buf_init(&body, STRATA_SSH_AGENT_MSG_MAX);
    if ((r = strata_buf_put_u8(&body, STRATA_SSH_AGENTC_REMOVE_IDENTITY)) == STRATA_OK &&
        (r = strata_buf_put_string(&body, blob, n)) == STRATA_OK)
        r = put_frame(out, &body);
    strata_buf_free(&body);
    return r;
}

strata_status strata_ssh_agent_reply_take(strata_buf *in, const uint8_t **msg, size_t *n,
                                          strata_error *err)
{
    uint32_t len;
    *msg = NULL;
    *n = 0;
    if (strata_buf_peek_u32(in, &len) != STRATA_OK)
        return STRATA_WANT_READ;
    if (len == 0)
        return strata__error_set(err, STRATA_E_FORMAT, "empty agent message");
    if (len > STRATA_SSH_AGENT_MSG_MAX)
        return strata__error_set(err, STRATA_E_LIMIT,
                                 "agent message of %u bytes exceeds the limit of %u", len,
                                 STRATA_SSH_AGENT_MSG_MAX);
    if (strata_buf_len(in) - 4 < len)
        return STRATA_WANT_READ;
    const uint8_t *p;
    size_t pn;
    strata_status r = strata_buf_get_string(in, &p, &pn);
    if (r != STRATA_OK)
        return strata__error_set(err, STRATA_E_INTERNAL, "agent frame vanished");
    *msg = p;
    *n = pn;
    return STRATA_OK;
}

/* Reads the type byte and turns FAILURE / unexpected types into errors. */
static strata_status expect_type(strata_buf *b, uint8_t want, const char *what, strata_error *err)
{
    uint8_t type;
    if (strata_buf_get_u8(b, &type) != STRATA_OK)
        return strata__error_set(err, STRATA_E_TRUNCATED, "empty agent reply");
    /* As OpenSSH's client: SSH2_AGENT_FAILURE (30) and SSH_COM_AGENT2_FAILURE
     * (102) from old agents, and SSH_AGENT_EXTENSION_FAILURE (28), are refusals too. */
    if (type == STRATA_SSH_AGENT_FAILURE)
        return strata__error_set(err, STRATA_E_SSH_AGENT_REFUSED,
                                 "the agent refused the %s request (SSH_AGENT_FAILURE)", what);
    if (type == 28 || type == 30 || type == 102)
        return strata__error_set(err, STRATA_E_SSH_AGENT_REFUSED,
                                 "the agent refused the %s request (failure message %u)", what,
                                 type);
    if (type != want)
        return strata__error_set(err, STRATA_E_PROTOCOL,
                                 "unexpected agent reply type %u to a %s request", type, what);
    return STRATA_OK;
}

strata_status strata_ssh_agent_parse_success(const uint8_t *msg, size_t n, strata_error *err)
{
    strata_buf b;
    strata_buf_view(&b, msg, n);
    strata_status r = expect_type(&b, STRATA_SSH_AGENT_SUCCESS, "add/remove", err);
    if (r == STRATA_OK && strata_buf_get_end(&b) != STRATA_OK)
        r = strata__error_set(err, STRATA_E_TRAILING, "%zu trailing bytes after SSH_AGENT_SUCCESS",
                              strata_buf_len(&b));
    return r;
}

void strata_ssh_agent_identities_free(strata_ssh_agent_identities *ids)
{
    if (!ids)
        return;
    for (size_t i = 0; i < ids->n; i++) {
        free(ids->ids[i].blob);
        free(ids->ids[i].comment);
    }
    free(ids->ids);
    free(ids);
}

strata_status strata_ssh_agent_parse_identities(const uint8_t *msg, size_t n,
                                                strata_ssh_agent_identities **out,
                                                strata_error *err)
{
    strata_buf b;
    uint32_t count;
    strata_ssh_agent_identities *ids = NULL;
    strata_status r;
    *out = NULL;
    strata_buf_view(&b, msg, n);
    if ((r = expect_type(&b, STRATA_SSH_AGENT_IDENTITIES_ANSWER, "identities", err)) != STRATA_OK)
        goto out;
    if ((r = strata_buf_get_u32(&b, &count)) != STRATA_OK) {
        r = strata__error_set(err, r, "truncated identities answer");
        goto out;
    }
    /* Each identity takes at least 8 bytes: a count the message cannot hold is
     * refused before anything is allocated. */
    if (count > STRATA_SSH_AGENT_IDS_MAX) {
        r = strata__error_set(err, STRATA_E_LIMIT, "agent lists %u keys, above the limit of %u",
                              count, STRATA_SSH_AGENT_IDS_MAX);
        goto out;
    }
    if (count > strata_buf_len(&b) / 8) {
        r = strata__error_set(err, STRATA_E_TRUNCATED,
                              "identities answer announces %u keys but holds %zu bytes", count,
                              strata_buf_len(&b));
        goto out;
    }
    if (!(ids = calloc(1, sizeof(*ids))) ||
        (count && !(ids->ids = calloc(count, sizeof(*ids->ids))))) {
        r = strata__error_set(err, STRATA_E_NOMEM, "out of memory");
        goto out;
    }
    for (uint32_t i = 0; i < count; i++) {
        const uint8_t *blob;
        size_t blen;
        struct strata_ssh_agent_identity *id = &ids->ids[i];
        if ((r = strata_buf_get_string(&b, &blob, &blen)) != STRATA_OK ||
            (r = strata_buf_get_cstring(&b, &id->comment)) != STRATA_OK) {
            r = strata__error_set(err, r, "bad identity %u in the agent's answer", i);
            goto out;
        }
        ids->n = i + 1;
        if (blen == 0) {
            r = strata__error_set(err, STRATA_E_FORMAT, "identity %u has an empty key blob", i);
            goto out;
        }
        if (!(id->blob = malloc(blen))) {
            r = strata__error_set(err, STRATA_E_NOMEM, "out of memory");
            goto out;
        }
        memcpy(id->blob, blob, blen);
        id->blob_len = blen;
    }
    if (strata_buf_get_end(&b) != STRATA_OK) {
        r = strata__error_set(err, STRATA_E_TRAILING, "%zu trailing bytes in identities answer",
                              strata_buf_len(&b));
        goto out;
    }
    *out = ids;
    ids = NULL;
    r = STRATA_OK;
out:
    strata_ssh_agent_identities_free(ids);
    return r;
}

strata_status strata_ssh_agent_parse_sign(const uint8_t *msg, size_t n, uint8_t **sig,
                                          size_t *sig_len, strata_error *err)
{
    strata_buf b, inner;
    const uint8_t *p;
    size_t pn;
    strata_status r;
    *sig = NULL;
    *sig_len = 0;
    strata_buf_view(&b, msg, n);
    if ((r = expect_type(&b, STRATA_SSH_AGENT_SIGN_RESPONSE, "sign", err)) != STRATA_OK)
        return r;
    if ((r = strata_buf_get_sub(&b, &inner)) != STRATA_OK)
        return strata__error_set(err, r, "truncated sign response");
    if (strata_buf_get_end(&b) != STRATA_OK)
        return strata__error_set(err, STRATA_E_TRAILING, "%zu trailing bytes in sign response",
                                 strata_buf_len(&b));
    /* The signature blob itself: string algorithm, string signature. */
    p = strata_buf_ptr(&inner);
    pn = strata_buf_len(&inner);
    const uint8_t *alg, *s;
    size_t alen, sn;
    if ((r = strata_buf_get_string(&inner, &alg, &alen)) != STRATA_OK ||
        (r = strata_buf_get_string(&inner, &s, &sn)) != STRATA_OK)
        return strata__error_set(err, r, "malformed signature blob in sign response");
    if (alen == 0 || strata_buf_get_end(&inner) != STRATA_OK)
        return strata__error_set(err, STRATA_E_FORMAT, "malformed signature blob in sign response");
    if (!(*sig = malloc(pn)))
        return strata__error_set(err, STRATA_E_NOMEM, "out of memory");
    memcpy(*sig, p, pn);
    *sig_len = pn;
    return STRATA_OK;
}
