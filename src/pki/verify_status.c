/* pki/verify_status: X509_V_ERR_* → strata status, one table for the store
 * and for TLS. */
#include <stddef.h>
#include <openssl/x509_vfy.h>

#include "pki/verify_status.h"

static const struct {
    int code;
    strata_status status;
} verify_statuses[] = {
    {X509_V_ERR_CERT_HAS_EXPIRED, STRATA_E_CERT_EXPIRED},
    {X509_V_ERR_CERT_NOT_YET_VALID, STRATA_E_CERT_NOT_YET_VALID},
    {X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT, STRATA_E_CERT_UNTRUSTED},
    {X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY, STRATA_E_CERT_UNTRUSTED},
    {X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT, STRATA_E_CERT_UNTRUSTED},
    {X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN, STRATA_E_CERT_UNTRUSTED},
    {X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE, STRATA_E_CERT_UNTRUSTED},
    {X509_V_ERR_CERT_UNTRUSTED, STRATA_E_CERT_UNTRUSTED},
    {X509_V_ERR_CERT_REJECTED, STRATA_E_CERT_UNTRUSTED},
    {X509_V_ERR_CERT_SIGNATURE_FAILURE, STRATA_E_CERT_SIGNATURE},
    {X509_V_ERR_CERT_REVOKED, STRATA_E_CERT_REVOKED},
    {X509_V_ERR_HOSTNAME_MISMATCH, STRATA_E_CERT_HOSTNAME},
    {X509_V_ERR_IP_ADDRESS_MISMATCH, STRATA_E_CERT_HOSTNAME},
};

strata_status strata__x509_verify_status(int code, strata_status other)
{
    for (size_t i = 0; i < sizeof(verify_statuses) / sizeof(verify_statuses[0]); i++)
        if (verify_statuses[i].code == code)
            return verify_statuses[i].status;
    return other;
}
