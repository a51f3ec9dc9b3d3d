/* strata/x509_name.h - distinguished names (pyOpenSSL's X509Name).
 *
 * A strata_x509_name is an owned, ordered list of (attribute, value) entries.
 * Attributes are named by the seed's long names or their aliases:
 * countryName (C), stateOrProvinceName (ST), localityName (L),
 * organizationName (O), organizationalUnitName (OU), commonName (CN),
 * emailAddress; any other attribute OpenSSL knows by name or dotted OID works
 * too. Values are UTF-8.
 */
#ifndef STRATA_X509_NAME_H
#define STRATA_X509_NAME_H

#include "pki_types.h"

/* An empty name. */
STRATA_API STRATA_MUST_CHECK strata_status strata_x509_name_new(strata_x509_name **out,
                                                                strata_error *err);
/* X509Name(x509name): a copy. */
STRATA_API STRATA_MUST_CHECK strata_status strata_x509_name_dup(const strata_x509_name *n,
                                                                strata_x509_name **out,
                                                                strata_error *err);
STRATA_API void strata_x509_name_free(strata_x509_name *n);
/* A copy of an OpenSSL name (n is borrowed for the call). */
STRATA_API STRATA_MUST_CHECK strata_status strata_x509_name_from_openssl(const X509_NAME *n,
                                                                         strata_x509_name **out,
                                                                         strata_error *err);
/* The OpenSSL name inside, borrowed: valid while n is unchanged. */
STRATA_API const X509_NAME *strata_x509_name_openssl(const strata_x509_name *n);

/* Attribute get: the value of the last entry of that attribute (as
 * pyOpenSSL's getattr); E_USAGE for an unknown attribute name; *out NULL (and
 * STRATA_OK) when the name has no such entry. */
STRATA_API STRATA_MUST_CHECK strata_status strata_x509_name_get(const strata_x509_name *n,
                                                                const char *attr, char **out,
                                                                strata_error *err);
/* Attribute set: removes every entry of that attribute and appends one with
 * value (as pyOpenSSL's setattr). E_USAGE for an unknown attribute name, or a
 * value the attribute does not allow (countryName is two letters). */
STRATA_API STRATA_MUST_CHECK strata_status strata_x509_name_set(strata_x509_name *n,
                                                                const char *attr, const char *value,
                                                                strata_error *err);
/* Appends an entry, keeping existing ones (multi-valued OU etc.). */
STRATA_API STRATA_MUST_CHECK strata_status strata_x509_name_add(strata_x509_name *n,
                                                                const char *attr, const char *value,
                                                                strata_error *err);

/* get_components(): the number of entries, and entry i's short name
 * ("CN", static storage) and value (a heap copy). */
STRATA_API size_t strata_x509_name_count(const strata_x509_name *n);
STRATA_API STRATA_MUST_CHECK strata_status strata_x509_name_component(const strata_x509_name *n,
                                                                      size_t i, const char **attr,
                                                                      char **value,
                                                                      strata_error *err);

/* The one-line text "/C=US/O=Example/CN=host" (the form openssl -subj and
 * strata cert --subject take): '/' and '\' in values are escaped with '\'. */
STRATA_API STRATA_MUST_CHECK strata_status strata_x509_name_oneline(const strata_x509_name *n,
                                                                    char **out, strata_error *err);
/* Parses that one-line text: "/CN=a/O=b" ("\/" escapes a slash; '+' is not
 * special). E_USAGE with the offending part for malformed text. */
STRATA_API STRATA_MUST_CHECK strata_status strata_x509_name_parse(const char *text,
                                                                  strata_x509_name **out,
                                                                  strata_error *err);
/* der(): the DER encoding (out reset on entry). */
STRATA_API STRATA_MUST_CHECK strata_status strata_x509_name_der(const strata_x509_name *n,
                                                                strata_buf *out, strata_error *err);
/* hash(): OpenSSL's X509_NAME_hash (SHA-1 of the canonical form). */
STRATA_API STRATA_MUST_CHECK strata_status strata_x509_name_hash(const strata_x509_name *n,
                                                                 unsigned long *out,
                                                                 strata_error *err);
/* Compare: <0, 0, >0 as X509_NAME_cmp. */
STRATA_API int strata_x509_name_cmp(const strata_x509_name *a, const strata_x509_name *b);

#endif
