#!/usr/bin/env bash
# strata cert <-> the openssl CLI, both ways:
# - what strata writes, openssl reads and accepts (verify, req -verify,
#   pkcs12 -info, pkey with a passphrase);
# - what openssl writes, strata reads (certificates, chains, CSRs, CRLs,
#   encrypted keys PKCS#8 and traditional, PKCS#12 modern and legacy, PKCS#7);
# - bad input gets a clear message and exit status 1 (2 for usage), never a
#   crash, and a refused run leaves no file behind;
# - issue NAME... makes certificates from a local CA, as mkcert does.
# No network, no daemons: everything happens in a throw-away directory.
set -uo pipefail
STRATA=${STRATA:?path of the strata binary}
command -v openssl >/dev/null || { echo "FAIL: openssl is not installed (scripts/deps.sh)"; exit 1; }
command -v script >/dev/null || { echo "FAIL: script(1) from bsdutils is not installed"; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 1
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
pass=0 fail=0
ok() { echo "ok   - $1"; pass=$((pass + 1)); }
bad() { echo "FAIL - $1"; fail=$((fail + 1)); }
# check NAME CMD...: the command must succeed
check() { local n=$1; shift; if "$@" >"out.log" 2>&1; then ok "$n"; else bad "$n"; sed 's/^/    /' out.log; fi; }
# refuse NAME STATUS PATTERN CMD...: must exit with STATUS and print PATTERN
refuse() {
    local n=$1 want=$2 pat=$3; shift 3
    "$@" >"out.log" 2>&1; local rc=$?
    if [ "$rc" -eq "$want" ] && grep -q -- "$pat" out.log; then ok "$n"
    else bad "$n (exit $rc, want $want and /$pat/)"; sed 's/^/    /' out.log; fi
}
S() { "$STRATA" cert "$@"; }
echo "topsecret" >pw
echo "wrong" >badpw

# ---------------------------------------------------------------- strata -> openssl
check "strata cert ca" S ca --subject "/CN=Example CA/O=Strata Test" --key ca.key -o ca.pem
check "strata cert issue --server" S issue --ca ca.pem --ca-key ca.key --subject /CN=localhost \
    --san DNS:localhost,IP:127.0.0.1 --server --key srv.key -o srv.pem
check "openssl verify -CAfile accepts the strata server certificate" \
    openssl verify -CAfile ca.pem -purpose sslserver -verify_hostname localhost -verify_ip 127.0.0.1 srv.pem
[ "$(stat -c %a ca.key)" = 600 ] && [ "$(stat -c %a srv.key)" = 600 ] && ok "key files are mode 0600" \
    || bad "key files are mode 0600 ($(stat -c %a ca.key) $(stat -c %a srv.key))"
[ "$(stat -c %a srv.pem)" = 644 ] && ok "certificate file is mode 0644" || bad "certificate mode"
refuse "an existing file is not overwritten without --force" 1 "exists (use --force" \
    S ca --subject "/CN=Other" --key ca.key -o ca.pem
refuse "issue into an existing file is refused" 1 "srv.pem exists" \
    S issue --ca ca.pem --ca-key ca.key --subject /CN=x --key fresh.key -o srv.pem
[ ! -e fresh.key ] && ok "a refused run leaves no new key behind" || bad "fresh.key was written"
check "--force overwrites" S issue --ca ca.pem --ca-key ca.key --subject /CN=localhost --key srv.key -o srv.pem --force
check "openssl verify after --force" openssl verify -CAfile ca.pem srv.pem
check "openssl s_server would load the key (openssl pkey)" openssl pkey -in srv.key -noout

for t in ed25519 ed448 ec:p384 ec:p521 rsa:3072; do
    f=${t/:/_}
    check "strata $t CA + client certificate, openssl verify" bash -c "
        '$STRATA' cert ca --subject '/CN=CA $t' --key-type $t --key $f.ca.key -o $f.ca.pem &&
        '$STRATA' cert issue --ca $f.ca.pem --ca-key $f.ca.key --subject /CN=client --client \
            --key-type $t --key $f.key -o $f.pem &&
        openssl verify -CAfile $f.ca.pem -purpose sslclient $f.pem"
done

check "strata intermediate CA" S ca --subject "/CN=Intermediate" --ca ca.pem --ca-key ca.key \
    --key int.key -o int.pem --pathlen 0
check "leaf under the intermediate" S issue --ca int.pem --ca-key int.key --subject /CN=deep.example \
    --key deep.key -o deep.pem
check "openssl verify of a strata chain (-untrusted)" openssl verify -CAfile ca.pem -untrusted int.pem deep.pem
cat deep.pem int.pem >deep-chain.pem
check "strata verify of the chain file" S verify --ca ca.pem --name deep.example deep-chain.pem

check "strata cert csr" S csr --key c.key --subject "/CN=client.example/O=Example" \
    --san client.example,10.0.0.1,admin@client.example -o c.csr
check "openssl req -verify accepts the strata CSR" openssl req -verify -in c.csr -noout
openssl req -in c.csr -noout -text >csr.txt 2>&1
grep -q "DNS:client.example, IP Address:10.0.0.1, email:admin@client.example" csr.txt \
    && ok "CSR carries the requested SANs" || { bad "CSR SANs"; cat csr.txt; }
check "strata cert sign of the strata CSR" S sign --ca ca.pem --ca-key ca.key --csr c.csr -o c.pem --client
check "openssl verify -purpose sslclient" openssl verify -CAfile ca.pem -purpose sslclient c.pem
openssl x509 -in c.pem -noout -ext subjectAltName >san.txt 2>&1
grep -q "DNS:client.example, IP Address:10.0.0.1" san.txt && ok "signed certificate keeps the CSR's SANs" \
    || { bad "signed SANs"; cat san.txt; }

check "strata cert crl" S crl --ca ca.pem --ca-key ca.key --revoke c.pem:keyCompromise -o ca.crl
openssl crl -in ca.crl -CAfile ca.pem -noout >crlv.txt 2>&1
grep -q "verify OK" crlv.txt && ok "openssl crl verifies the strata CRL's signature" || { bad "openssl crl -CAfile"; cat crlv.txt; }
openssl crl -in ca.crl -noout -text 2>&1 | grep -q "Key Compromise" && ok "the strata CRL carries the reason" \
    || bad "CRL reason"
refuse "openssl verify -crl_check refuses the certificate strata revoked" 2 "certificate revoked" \
    openssl verify -crl_check -CRLfile ca.crl -CAfile ca.pem c.pem
check "openssl verify -crl_check accepts an unrevoked one" openssl verify -crl_check -CRLfile ca.crl -CAfile ca.pem srv.pem
refuse "strata verify --crl refuses the revoked certificate" 1 "depth 0 (/CN=client.example/O=Example): certificate revoked" \
    S verify --ca ca.pem --crl ca.crl c.pem
check "strata verify --crl accepts an unrevoked one" S verify --ca ca.pem --crl ca.crl srv.pem
refuse "unknown revocation reason" 1 "unknown revocation reason \"boredom\"" \
    S crl --ca ca.pem --ca-key ca.key --revoke c.pem:boredom -o bad.crl

check "strata key encrypted with a passphrase file" S key --type rsa:2048 -o enc.key --passphrase-file pw
grep -q "BEGIN ENCRYPTED PRIVATE KEY" enc.key && ok "encrypted key is PKCS#8" || bad "encrypted PKCS#8"
check "openssl pkey reads the encrypted strata key" openssl pkey -in enc.key -passin file:pw -noout
refuse "openssl pkey refuses the wrong passphrase" 1 "" openssl pkey -in enc.key -passin file:badpw -noout
openssl asn1parse -in enc.key >asn1.txt 2>&1
grep -q "aes-256-cbc" asn1.txt && grep -q "hmacWithSHA256" asn1.txt \
    && ok "key encryption is AES-256-CBC with PBKDF2-HMAC-SHA256" || { bad "key cipher"; cat asn1.txt; }
PW_ENV=topsecret check "encrypted key usable as a CA key (--ca-passphrase-env)" bash -c "
    '$STRATA' cert ca --subject /CN=EncCA --key enc.key --passphrase-file pw -o enc-ca.pem &&
    PW=topsecret '$STRATA' cert issue --ca enc-ca.pem --ca-key enc.key --ca-passphrase-env PW \
        --subject /CN=x --key x.key -o x.pem && openssl verify -CAfile enc-ca.pem x.pem"

# Terminal prompts, on a pty made by script(1): no echo; --encrypt asks twice.
tty_run() { local input=$1; shift; (sleep 2; printf '%b' "$input") | timeout 30 script -qec "$*" /dev/null 2>&1 | tr -d '\r'; }
out=$(tty_run 'topsecret\n' "'$STRATA' cert show enc.key")
if echo "$out" | grep -q "Passphrase for enc.key: " && echo "$out" | grep -q "RSA, 2048 bits" \
    && ! echo "$out" | grep -q topsecret; then ok "passphrase asked on the terminal, not echoed"
else bad "terminal prompt"; echo "$out"; fi
( (sleep 2; printf 'pw-one\n'; sleep 2; printf 'pw-one\n') | timeout 30 script -qec "'$STRATA' cert key --encrypt -o tty.key" /dev/null >tty.log 2>&1 )
if grep -q "Repeat the passphrase for tty.key" tty.log && openssl pkey -in tty.key -passin pass:pw-one -noout 2>/dev/null; then
    ok "--encrypt asks twice and encrypts with the typed passphrase"
else bad "--encrypt"; cat tty.log; fi
( (sleep 2; printf 'one\n'; sleep 2; printf 'two\n') | timeout 30 script -qec "'$STRATA' cert key --encrypt -o tty2.key" /dev/null >tty2.log 2>&1 )
grep -q "the passphrases do not match" tty2.log && [ ! -e tty2.key ] && ok "mismatched passphrases are refused" \
    || { bad "passphrase mismatch"; cat tty2.log; }

check "strata p12 export (default)" S p12 export --key srv.key --cert srv.pem --ca ca.pem \
    --name "my server" -o srv.p12 --passphrase-file pw
[ "$(stat -c %a srv.p12)" = 600 ] && ok "PKCS#12 file is mode 0600" || bad "p12 mode"
openssl pkcs12 -info -in srv.p12 -passin file:pw -noout >p12.txt 2>&1 \
    && ok "openssl pkcs12 -info reads the strata PKCS#12" || { bad "openssl pkcs12 -info"; cat p12.txt; }
grep -q "MAC: sha256" p12.txt && grep -q "PBES2, PBKDF2, AES-256-CBC" p12.txt \
    && ok "PKCS#12 uses AES-256-CBC, PBKDF2 and a SHA-256 MAC" || { bad "p12 algorithms"; cat p12.txt; }
openssl pkcs12 -in srv.p12 -passin file:pw -nokeys -clcerts 2>/dev/null | grep -q "friendlyName: my server" \
    && ok "PKCS#12 friendly name" || bad "PKCS#12 friendly name"
check "strata p12 export --legacy" S p12 export --key srv.key --cert srv.pem --ca ca.pem -o legacy.p12 \
    --passphrase-file pw --legacy
openssl pkcs12 -info -in legacy.p12 -passin file:pw -noout -legacy >lp12.txt 2>&1
grep -q "pbeWithSHA1And40BitRC2-CBC" lp12.txt && grep -q "pbeWithSHA1And3-KeyTripleDES-CBC" lp12.txt \
    && grep -q "MAC: sha1" lp12.txt && ok "legacy PKCS#12 is RC2-40 / 3DES / SHA-1 (openssl -legacy reads it)" \
    || { bad "legacy p12"; cat lp12.txt; }

# ---------------------------------------------------------------- openssl -> strata
openssl req -x509 -newkey rsa:2048 -nodes -keyout o-ca.key -out o-ca.pem -days 30 \
    -subj "/CN=OpenSSL CA" -addext basicConstraints=critical,CA:TRUE \
    -addext keyUsage=critical,keyCertSign,cRLSign >/dev/null 2>&1
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout o-int.key -out o-int.csr \
    -subj "/CN=OpenSSL Intermediate" >/dev/null 2>&1
printf 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n' >ca.ext
openssl x509 -req -in o-int.csr -CA o-ca.pem -CAkey o-ca.key -CAcreateserial -days 30 \
    -extfile ca.ext -out o-int.pem >/dev/null 2>&1
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout o-leaf.key -out o-leaf.csr \
    -subj "/CN=o.example" >/dev/null 2>&1
printf 'subjectAltName=DNS:o.example\n' >leaf.ext
openssl x509 -req -in o-leaf.csr -CA o-int.pem -CAkey o-int.key -CAcreateserial -days 10 \
    -extfile leaf.ext -out o-leaf.pem >/dev/null 2>&1
cat o-leaf.pem o-int.pem >o-chain.pem
check "strata verifies an openssl chain file" S verify --ca o-ca.pem --name o.example o-chain.pem
check "strata verifies with --untrusted" S verify --ca o-ca.pem --untrusted o-int.pem o-leaf.pem
openssl x509 -in o-leaf.pem -outform DER -out o-leaf.der
refuse "strata names the missing issuer" 1 "depth 0 (/CN=o.example): unable to get local issuer" \
    S verify --ca o-ca.pem o-leaf.der
check "strata shows an openssl DER certificate" bash -c "'$STRATA' cert show o-leaf.der | grep -q 'Subject: CN = o.example'"
S show o-chain.pem >chain.txt 2>&1 && [ "$(grep -c 'SHA256 Fingerprint=' chain.txt)" = 2 ] \
    && ok "strata shows both certificates of a chain" || { bad "show chain"; cat chain.txt; }
check "strata shows an openssl CSR" bash -c "'$STRATA' cert show o-leaf.csr | grep -q 'Request signature: OK'"
check "strata signs an openssl CSR" S sign --ca ca.pem --ca-key ca.key --csr o-leaf.csr -o o-signed.pem --server
check "openssl verifies what strata signed from its CSR" openssl verify -CAfile ca.pem -verify_hostname o.example o-signed.pem

# CRL made by openssl ca: the intermediate revokes nothing, the root revokes the intermediate.
mkdir -p db && : >db/index.txt && echo 1000 >db/crlnumber
cat >ca.cnf <<CNF
[ca]
default_ca = d
[d]
database = db/index.txt
crlnumber = db/crlnumber
default_md = sha256
default_crl_days = 30
CNF
openssl ca -batch -config ca.cnf -keyfile o-ca.key -cert o-ca.pem -revoke o-int.pem -crl_reason keyCompromise >/dev/null 2>&1
openssl ca -batch -config ca.cnf -keyfile o-ca.key -cert o-ca.pem -gencrl -out o-crl.pem >/dev/null 2>&1
check "strata shows an openssl CRL" bash -c "'$STRATA' cert show o-crl.pem | grep -q 'Key Compromise'"
openssl crl -in o-crl.pem -outform DER -out o-crl.der
check "strata shows a DER CRL" bash -c "'$STRATA' cert show o-crl.der | grep -q 'Revoked Certificates'"
refuse "strata verify with --crl reports a revoked intermediate" 1 "certificate revoked" \
    S verify --ca o-ca.pem --crl o-crl.pem o-int.pem

# Encrypted keys: PKCS#8 and traditional, PEM and DER.
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 -aes-256-cbc -pass pass:topsecret \
    -out o-p8.key 2>/dev/null
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out o-rsa.key 2>/dev/null
openssl pkey -in o-rsa.key -traditional -aes256 -passout pass:topsecret -out o-trad.key 2>/dev/null
openssl pkcs8 -topk8 -in o-rsa.key -v2 aes-128-cbc -passout pass:topsecret -outform DER -out o-p8.der 2>/dev/null
grep -q "Proc-Type: 4,ENCRYPTED" o-trad.key && ok "traditional encrypted key made" || bad "traditional key"
check "strata reads an encrypted PKCS#8 PEM key" bash -c "'$STRATA' cert show o-p8.key --passphrase-file pw | grep -q 'EC, 384 bits'"
check "strata reads a traditional encrypted PEM key" bash -c "'$STRATA' cert show o-trad.key --passphrase-file pw | grep -q 'RSA, 2048 bits'"
check "strata reads an encrypted PKCS#8 DER key" bash -c "'$STRATA' cert show o-p8.der --passphrase-file pw | grep -q 'RSA, 2048 bits'"
refuse "wrong passphrase (PKCS#8)" 1 "wrong passphrase for the encrypted private key" S show o-p8.key --passphrase-file badpw
refuse "wrong passphrase (traditional)" 1 "wrong passphrase for the encrypted private key" S show o-trad.key --passphrase-file badpw
refuse "no passphrase and no terminal" 1 "encrypted and no passphrase was given" bash -c "'$STRATA' cert show o-p8.key </dev/null"

# PKCS#12 from openssl: modern and legacy.
openssl pkcs12 -export -inkey o-leaf.key -in o-leaf.pem -certfile o-int.pem -name "openssl leaf" \
    -passout pass:topsecret -out o-modern.p12 2>/dev/null
openssl pkcs12 -export -legacy -provider legacy -provider default -inkey o-leaf.key -in o-leaf.pem \
    -certfile o-int.pem -passout pass:topsecret -out o-legacy.p12 2>/dev/null
check "strata imports an openssl PKCS#12" S p12 import o-modern.p12 --passphrase-file pw \
    --key-out m.key --cert-out m.pem --ca-out m-ca.pem
cmp -s m.pem o-leaf.pem && ok "imported certificate is the same" || bad "imported certificate differs"
openssl pkey -in m.key -pubout | cmp -s - <(openssl pkey -in o-leaf.key -pubout) \
    && ok "imported key is the same" || bad "imported key differs"
check "strata shows the friendly name" bash -c "'$STRATA' cert show o-modern.p12 --passphrase-file pw | grep -q 'Friendly name: openssl leaf'"
refuse "legacy PKCS#12 without --legacy" 1 "legacy algorithm (RC2/3DES)" S p12 import o-legacy.p12 --passphrase-file pw --cert-out l.pem
check "strata imports an openssl -legacy PKCS#12 with --legacy" S p12 import o-legacy.p12 \
    --passphrase-file pw --legacy --cert-out l.pem
cmp -s l.pem o-leaf.pem && ok "legacy import gives the same certificate" || bad "legacy import differs"
refuse "wrong PKCS#12 passphrase" 1 "its MAC does not verify" S p12 import o-modern.p12 --passphrase-file badpw --cert-out z.pem

# PKCS#7 from openssl crl2pkcs7.
openssl crl2pkcs7 -nocrl -certfile o-chain.pem -out o-chain.p7b
openssl crl2pkcs7 -in o-crl.pem -certfile o-chain.pem -outform DER -out o-chain.p7b.der
S show o-chain.p7b >p7.txt 2>&1 && grep -q "PKCS#7 pkcs7-signedData, 2 certificate(s), 0 CRL(s)" p7.txt \
    && ok "strata reads a PEM PKCS#7 from crl2pkcs7" || { bad "pkcs7 pem"; cat p7.txt; }
S show o-chain.p7b.der >p7d.txt 2>&1 && grep -q "2 certificate(s), 1 CRL(s)" p7d.txt \
    && ok "strata reads a DER PKCS#7 with a CRL" || { bad "pkcs7 der"; cat p7d.txt; }

# ---------------------------------------------------------------- bad input
head -c 300 o-leaf.der >trunc.der
refuse "truncated DER certificate" 1 "not a certificate, CSR, CRL" S show trunc.der
refuse "truncated DER in verify" 1 "certificate: truncated or malformed DER" S verify --ca ca.pem trunc.der
printf -- '-----BEGIN CERTIFICATE-----\nnot base64 at all!\n-----END CERTIFICATE-----\n' >garbage.pem
refuse "garbage PEM certificate" 1 "is corrupt" S verify --ca ca.pem garbage.pem
echo "hello" >hello.txt
refuse "neither PEM nor DER" 1 "input is neither PEM (no \"-----BEGIN\" line) nor DER" S verify --ca hello.txt srv.pem
refuse "unknown curve" 2 "unknown elliptic curve \"p999\"" S key --type ec:p999 -o k999.key
[ ! -e k999.key ] && ok "no key file left after a refused type" || bad "k999.key exists"
# A certificate signed by the wrong key: same CA name and key id, other key.
S ca --subject "/CN=Example CA/O=Strata Test" --key evil.key -o evil-ca.pem >/dev/null 2>&1
S issue --ca evil-ca.pem --ca-key evil.key --subject /CN=localhost --key srv.key -o forged.pem >/dev/null 2>&1
refuse "certificate signed by the wrong key" 1 "depth 0 (/CN=localhost)" S verify --ca ca.pem forged.pem
refuse "openssl agrees it does not verify" 2 "" openssl verify -CAfile ca.pem forged.pem
refuse "expired certificate (verified 20 years on)" 1 "certificate has expired" \
    S verify --ca ca.pem --at $(( $(date +%s) + 20 * 366 * 86400 )) srv.pem
refuse "host name mismatch" 1 "hostname mismatch" S verify --ca ca.pem --name evil.example srv.pem
refuse "CA key that is not the CA's" 1 "the CA key evil.key does not belong to the CA certificate" \
    S issue --ca ca.pem --ca-key evil.key --subject /CN=x --key y.key -o y.pem
# A refused run leaves no file behind: not the key it would have made, not a
# temporary file.
listing() { ls -A | grep -v '^\(before\|after\)\.txt$'; }
mkdir -p refused && listing >before.txt
refuse "--days 0 is a usage error" 2 "--days 0 is not a number within 1..36500" \
    S issue --ca ca.pem --ca-key ca.key --subject /CN=x --key r1.key -o r1.pem --days 0
refuse "a CA key that does not match, before a key is made" 1 "the CA key evil.key does not belong" \
    S issue --ca ca.pem --ca-key evil.key --subject /CN=x --key r2.key -o r2.pem
refuse "--san IP:999.1.1.1" 2 "--san entry 'IP:999.1.1.1' is not an IP address" \
    S issue --ca ca.pem --ca-key ca.key --subject /CN=x --key r3.key -o r3.pem --san IP:999.1.1.1
refuse "an unwritable -o" 1 "cannot write nodir/r4.pem" \
    S issue --ca ca.pem --ca-key ca.key --subject /CN=x --key r4.key -o nodir/r4.pem
refuse "-o a directory, with --force" 1 "cannot write refused: it is a directory" \
    S issue --ca ca.pem --ca-key ca.key --subject /CN=x --key r5.key -o refused --force
refuse "ca --days 0" 2 "--days 0 is not" S ca --subject /CN=y --key r6.key -o r6.pem --days 0
listing >after.txt
cmp -s before.txt after.txt && ok "refused runs left no file (no key, no temporary file)" \
    || { bad "refused runs left files"; diff before.txt after.txt; }
# --san takes only what is a DNS name, IP, email or URI.
refuse "--san 'bogus name!'" 2 "--san entry 'bogus name!' is not a DNS name" \
    S issue --ca ca.pem --ca-key ca.key --subject /CN=x --key r7.key -o r7.pem --san 'bogus name!'
refuse "--san FOO:bar" 2 "--san entry 'FOO:bar': unknown type 'FOO'" \
    S csr --subject /CN=x --key r8.key -o r8.csr --san localhost,FOO:bar
refuse "--san email without @" 2 "--san entry 'email:nobody' is not an email address" \
    S issue --ca ca.pem --ca-key ca.key --subject /CN=x --key r9.key -o r9.pem --san email:nobody
[ ! -e r7.key ] && [ ! -e r8.key ] && [ ! -e r9.key ] && ok "no key left by a bad --san" || bad "bad --san left a key"
check "--san with *.wildcard, URI and email" S issue --ca ca.pem --ca-key ca.key --subject /CN=w \
    --key w.key -o w.pem --san '*.w.example,URI:spiffe://w.example/svc,email:ops@w.example'
openssl x509 -in w.pem -noout -ext subjectAltName 2>&1 | grep -q "DNS:\*.w.example, URI:spiffe://w.example/svc, email:ops@w.example" \
    && ok "the SANs are as given" || bad "wildcard/URI/email SANs"

# p12 export from a script: no terminal to ask, so it says how to give one.
refuse "p12 export without a passphrase and no terminal" 2 "give it with --passphrase-file" \
    bash -c "'$STRATA' cert p12 export --key srv.key --cert srv.pem -o nopw.p12 </dev/null"
[ ! -e nopw.p12 ] && ok "no bundle written" || bad "nopw.p12 written"

# issue NAME...: the mkcert way, with a local CA in $XDG_DATA_HOME/strata/ca.
mkdir -p local && cd local || exit 1
export XDG_DATA_HOME=$work/xdg
check "issue NAME... with no other flag" S issue localhost 127.0.0.1 '*.example.com' ::1
LCA=$XDG_DATA_HOME/strata/ca
[ "$(stat -c %a "$LCA")" = 700 ] && [ "$(stat -c %a "$LCA/rootCA-key.pem")" = 600 ] \
    && [ "$(stat -c %a localhost-key.pem)" = 600 ] && ok "local CA directory 0700, keys 0600" \
    || bad "local CA modes ($(stat -c '%a %n' "$LCA" "$LCA"/* localhost-key.pem))"
grep -q "created a new local CA in $LCA" out.log \
    && ok "the local CA's path is printed" || { bad "local CA path"; cat out.log; }
check "openssl verify -CAfile <local CA> NAME.pem" openssl verify -CAfile "$LCA/rootCA.pem" \
    -verify_hostname a.example.com localhost.pem
openssl x509 -in localhost.pem -noout -ext subjectAltName 2>&1 | grep -q \
    "DNS:localhost, IP Address:127.0.0.1, DNS:\*.example.com, IP Address:0:0:0:0:0:0:0:1" \
    && ok "SANs guessed from the names (IP literal: IP SAN, else DNS)" \
    || { bad "guessed SANs"; openssl x509 -in localhost.pem -noout -ext subjectAltName; }
sum1=$(sha256sum <"$LCA/rootCA.pem")
check "a second run" S issue '*.example.org' --days 30
grep -q "using the local CA in $LCA" out.log && [ "$(sha256sum <"$LCA/rootCA.pem")" = "$sum1" ] \
    && ok "the second run reuses the same CA" || { bad "local CA reuse"; cat out.log; }
[ -e _wildcard.example.org.pem ] && [ -e _wildcard.example.org-key.pem ] \
    && ok "'*' is written '_wildcard' in the file names" || bad "wildcard file names ($(ls))"
check "openssl verify of the second certificate" openssl verify -CAfile "$LCA/rootCA.pem" \
    -verify_hostname x.example.org _wildcard.example.org.pem
check "--not-before -2d --days 1" S issue expired.example --not-before -2d --days 1
refuse "openssl says the back-dated certificate has expired" 2 "certificate has expired" \
    openssl verify -CAfile "$LCA/rootCA.pem" expired.example.pem
check "--not-before as an absolute time" S issue old.example --not-before 2020-01-02T03:04:05Z --days 2
openssl x509 -in old.example.pem -noout -startdate -enddate >dates.txt 2>&1
grep -q "notBefore=Jan  2 03:04:05 2020 GMT" dates.txt && grep -q "notAfter=Jan  4 03:04:05 2020 GMT" dates.txt \
    && ok "notBefore and notAfter from --not-before and --days" || { bad "absolute --not-before"; cat dates.txt; }
refuse "issue NAME with --ca is a usage error" 2 "NAME... takes only" S issue localhost --ca ../ca.pem
refuse "issue NAME that is not a name" 2 "'not a name' is not a DNS name or an IP address" S issue 'not a name'
refuse "issue NAME again without --force" 1 "localhost.pem exists" S issue localhost
HOME=$work/home XDG_DATA_HOME= check "without XDG_DATA_HOME: ~/.local/share/strata/ca" S issue h.example
[ -s "$work/home/.local/share/strata/ca/rootCA.pem" ] && ok "the default CA directory is ~/.local/share/strata/ca" \
    || bad "default CA directory"
unset XDG_DATA_HOME
cd "$work" || exit 1

refuse "unknown verb" 2 "unknown verb 'frobnicate'" S frobnicate
refuse "missing required option" 2 "--key KEY and -o CERT are required" S ca --subject /CN=x
for v in key ca issue csr sign crl show verify p12; do
    "$STRATA" cert $v --help >help.txt 2>&1 && grep -q "usage: strata cert $v" help.txt \
        && ok "cert $v --help" || bad "cert $v --help"
done

echo "cert interop: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
