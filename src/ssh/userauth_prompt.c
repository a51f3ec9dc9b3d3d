/* ssh/userauth_prompt: the methods that ask the user - password (RFC 4252
 * §8) and keyboard-interactive (RFC 4256).
 *
 * The prompt callback may answer at once or return STRATA_PENDING; the
 * engine then waits (state A_PENDING, pend_n answers expected) until
 * strata_ssh_auth_answer. Answers are copied straight into a payload buffer
 * marked secret, so they are wiped as soon as the message is sent.
 */
#include <stdlib.h>
#include <string.h>

#include "base/error_internal.h"
#include "ssh/userauth_internal.h"

/* Asks; sends at once, or leaves the engine pending. */
static strata_status ask(struct strata_ssh_auth *a, const strata_ssh_prompt *p)
{
    const char *answers[SSH_AUTH_KBD_PROMPTS_MAX] = {0};
    a->pend_n = p->n_prompts;
    strata_status r = a->prompt(a->cb_user, p, answers);
    if (r == STRATA_PENDING) {
        a->state = A_PENDING;
        return STRATA_PENDING;
    }
    if (r != STRATA_OK)
        return strata__ssh_auth_give_up(a);
    for (size_t i = 0; i < p->n_prompts; i++)
        if (!answers[i])
            return strata__ssh_auth_fail(a, STRATA_E_USAGE,
                                         "the prompt callback left answer %zu "
                                         "unset",
                                         i + 1);
    return strata__ssh_auth_send_answers(a, answers, p->n_prompts);
}

strata_ssh_prompt strata__ssh_auth_hidden_prompt(const struct strata_ssh_auth *a,
                                                 enum strata_ssh_prompt_kind kind,
                                                 const char *const *text, unsigned attempt)
{
    static const int echo[1] = {0};
    strata_ssh_prompt p = {.kind = kind,
                           .user = a->user,
                           .host = a->host,
                           .name = "",
                           .instruction = "",
                           .n_prompts = 1,
                           .prompts = text,
                           .echo = echo,
                           .attempt = attempt};
    return p;
}

strata_status strata__ssh_auth_password_start(struct strata_ssh_auth *a)
{
    static const char *const prompts[1] = {"Password: "};
    strata_ssh_prompt p =
        strata__ssh_auth_hidden_prompt(a, STRATA_SSH_PROMPT_PASSWORD, prompts, a->pw_tries);
    return ask(a, &p);
}

strata_status strata__ssh_auth_kbd_start(struct strata_ssh_auth *a)
{
    strata_buf b;
    strata_buf_init(&b, 0);
    strata_status r = strata__ssh_auth_req_head(a, &b, "keyboard-interactive");
    /* RFC 4256 §3.1: string language tag (deprecated, empty), string submethods. */
    if (r == STRATA_OK && ((r = strata_buf_put_cstring(&b, "")) != STRATA_OK ||
                           (r = strata_buf_put_cstring(&b, "")) != STRATA_OK))
        r = strata__ssh_auth_fail(a, r, "cannot build the keyboard-interactive request");
    if (r == STRATA_OK)
        r = strata__ssh_auth_send(a, &b);
    strata_buf_free(&b);
    return r;
}

strata_status strata__ssh_auth_send_answers(struct strata_ssh_auth *a, const char *const *answers,
                                            size_t n)
{
    strata_buf b;
    strata_buf_init(&b, 0);
    strata_buf_set_secret(&b);
    strata_status r = STRATA_OK;
    if (a->cur == M_PASSWORD) {
        /* RFC 4252 §8: bool FALSE, string password. */
        if ((r = strata__ssh_auth_req_head(a, &b, "password")) == STRATA_OK &&
            ((r = strata_buf_put_bool(&b, 0)) != STRATA_OK ||
             (r = strata_buf_put_cstring(&b, answers[0])) != STRATA_OK))
            r = strata__ssh_auth_fail(a, r, "cannot build the password request");
    } else {
        /* RFC 4256 §3.4: INFO_RESPONSE, uint32 num-responses, string response... */
        if ((r = strata_buf_put_u8(&b, SSH_MSG_USERAUTH_INFO_RESPONSE)) != STRATA_OK ||
            (r = strata_buf_put_u32(&b, (uint32_t)n)) != STRATA_OK)
            r = strata__ssh_auth_fail(a, r, "cannot build INFO_RESPONSE");
        for (size_t i = 0; r == STRATA_OK && i < n; i++)
            if ((r = strata_buf_put_cstring(&b, answers[i])) != STRATA_OK)
                r = strata__ssh_auth_fail(a, r, "cannot build INFO_RESPONSE");
    }
    if (r == STRATA_OK)
        r = strata__ssh_auth_send(a, &b);
    strata_buf_free(&b);
    return r;
}

strata_status strata__ssh_auth_info_request(struct strata_ssh_auth *a, strata_buf *msg)
{
    char *name = NULL, *instr = NULL, *lang = NULL;
    char *prompts[SSH_AUTH_KBD_PROMPTS_MAX] = {0};
    int echo[SSH_AUTH_KBD_PROMPTS_MAX] = {0};
    uint32_t num = 0, i;
    strata_status r;
    if ((r = strata_buf_get_cstring(msg, &name)) != STRATA_OK ||
        (r = strata_buf_get_cstring(msg, &instr)) != STRATA_OK ||
        (r = strata_buf_get_cstring(msg, &lang)) != STRATA_OK ||
        (r = strata_buf_get_u32(msg, &num)) != STRATA_OK) {
        r = strata__ssh_auth_fail(a, r, "malformed USERAUTH_INFO_REQUEST");
        goto out;
    }
    if (num > SSH_AUTH_KBD_PROMPTS_MAX) {
        r = strata__ssh_auth_fail(a, STRATA_E_LIMIT,
                                  "USERAUTH_INFO_REQUEST with %u prompts (at most %u accepted)",
                                  num, SSH_AUTH_KBD_PROMPTS_MAX);
        num = 0;
        goto out;
    }
    for (i = 0; i < num; i++)
        if ((r = strata_buf_get_cstring(msg, &prompts[i])) != STRATA_OK ||
            (r = strata_buf_get_bool(msg, &echo[i])) != STRATA_OK)
            break;
    if (r == STRATA_OK)
        r = strata_buf_get_end(msg);
    if (r != STRATA_OK) {
        r = strata__ssh_auth_fail(a, r, "malformed USERAUTH_INFO_REQUEST");
        goto out;
    }
    strata__ssh_auth_sanitize(name);
    strata__ssh_auth_sanitize(instr);
    for (i = 0; i < num; i++)
        strata__ssh_auth_sanitize(prompts[i]);
    strata_ssh_prompt p = {.kind = STRATA_SSH_PROMPT_KBDINT,
                           .user = a->user,
                           .host = a->host,
                           .name = name,
                           .instruction = instr,
                           .n_prompts = num,
                           .prompts = (const char *const *)prompts,
                           .echo = echo,
                           .attempt = a->kbd_tries};
    /* RFC 4256 §3.2: a request with no prompts is answered with no answers,
     * without asking anyone. */
    if (num == 0) {
        a->pend_n = 0;
        r = strata__ssh_auth_send_answers(a, NULL, 0);
    } else {
        r = ask(a, &p);
    }
out:
    free(name);
    free(instr);
    free(lang);
    for (i = 0; i < num; i++)
        free(prompts[i]);
    return r;
}

strata_status strata__ssh_auth_passwd_changereq(struct strata_ssh_auth *a, strata_buf *msg)
{
    char *prompt = NULL, *lang = NULL;
    if (strata_buf_get_cstring(msg, &prompt) != STRATA_OK ||
        strata_buf_get_cstring(msg, &lang) != STRATA_OK || strata_buf_get_end(msg) != STRATA_OK) {
        free(prompt);
        free(lang);
        return strata__ssh_auth_fail(a, STRATA_E_FORMAT, "malformed USERAUTH_PASSWD_CHANGEREQ");
    }
    strata__ssh_auth_sanitize(prompt);
    strata_status r = strata__ssh_auth_fail(
        a, STRATA_E_AUTH,
        "the server demands a new password for %.64s before login (\"%.120s\"); change it "
        "with another client, then try again",
        a->user, prompt);
    free(prompt);
    free(lang);
    return r;
}
