/* strata/kem.h over the two KEMs of src/pq/. */
#include "pq/mlkem768.h"
#include "pq/sntrup761.h"
#include "strata/kem.h"

const char *strata_kem_name(strata_kem_alg alg)
{
    return alg == STRATA_KEM_MLKEM768    ? "ML-KEM-768"
           : alg == STRATA_KEM_SNTRUP761 ? "sntrup761"
                                         : NULL;
}

strata_status strata_kem_sizes(strata_kem_alg alg, size_t *pk, size_t *sk, size_t *ct, size_t *ss)
{
    size_t v[4];
    if (alg == STRATA_KEM_MLKEM768) {
        v[0] = STRATA_MLKEM768_PUBLICKEY_BYTES;
        v[1] = STRATA_MLKEM768_SECRETKEY_BYTES;
        v[2] = STRATA_MLKEM768_CIPHERTEXT_BYTES;
        v[3] = STRATA_MLKEM768_SHAREDSECRET_BYTES;
    } else if (alg == STRATA_KEM_SNTRUP761) {
        v[0] = STRATA_SNTRUP761_PUBLICKEY_BYTES;
        v[1] = STRATA_SNTRUP761_SECRETKEY_BYTES;
        v[2] = STRATA_SNTRUP761_CIPHERTEXT_BYTES;
        v[3] = STRATA_SNTRUP761_SHAREDSECRET_BYTES;
    } else {
        return STRATA_E_USAGE;
    }
    size_t *out[4] = {pk, sk, ct, ss};
    for (int i = 0; i < 4; i++)
        if (out[i])
            *out[i] = v[i];
    return STRATA_OK;
}

strata_status strata_kem_keypair(strata_kem_alg alg, uint8_t *pk, uint8_t *sk)
{
    if (alg == STRATA_KEM_MLKEM768)
        return strata__mlkem768_keypair(pk, sk);
    if (alg == STRATA_KEM_SNTRUP761)
        return strata__sntrup761_keypair(pk, sk);
    return STRATA_E_USAGE;
}

strata_status strata_kem_encaps(strata_kem_alg alg, uint8_t *ct, uint8_t *ss, const uint8_t *pk)
{
    if (alg == STRATA_KEM_MLKEM768)
        return strata__mlkem768_encaps(ct, ss, pk);
    if (alg == STRATA_KEM_SNTRUP761)
        return strata__sntrup761_enc(ct, ss, pk);
    return STRATA_E_USAGE;
}

strata_status strata_kem_decaps(strata_kem_alg alg, uint8_t *ss, const uint8_t *ct,
                                const uint8_t *sk)
{
    if (alg == STRATA_KEM_MLKEM768)
        strata__mlkem768_decaps(ss, ct, sk);
    else if (alg == STRATA_KEM_SNTRUP761)
        strata__sntrup761_dec(ss, ct, sk);
    else
        return STRATA_E_USAGE;
    return STRATA_OK;
}
