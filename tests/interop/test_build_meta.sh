#!/usr/bin/env bash
# The build's promises, checked cheaply against this source tree and the
# already-built tree ($STRATA_BUILD):
#  - the README's first code block is exactly `make demo` and `make check`;
#  - `.ci/run` runs the README's test command (run with a stand-in `make`);
#  - `make demo` builds the release preset and runs its `strata demo` (make's
#    own dry run; the demo itself is run by interop.test_demo), and the
#    release preset builds and its demo runs with cmocka invisible;
#  - `cmake --install` into a fresh prefix gives the library, every public
#    header, the CLI, the man page and a strata.pc with which a program
#    calling strata_version() compiles, links and runs;
#  - every tests/interop/test_*.sh is a ctest interop.test_*, every
#    tests/unit/test_*.c a ctest unit.test_*, every tests/fuzz/fuzz_NAME.c a
#    ctest fuzz-replay.NAME;
#  - the shared library exports only public strata_ names (-fvisibility=hidden
#    with STRATA_API: no internal strata__ name, nothing else).
source "$(dirname "$0")/lib.sh"
need make cmake ctest pkg-config cc
SRC=${STRATA_SRC:?repo root}
BUILD=${STRATA_BUILD:?build dir}

# ---- README: the first code block ----------------------------------------------
# Its lines without comments and surrounding blanks.
readme_cmds=$(awk '/^```/ { if (inb) exit; inb = 1; next } inb' "$SRC/README.md" |
    sed 's/#.*//; s/[[:space:]]*$//; s/^[[:space:]]*//; s/[[:space:]][[:space:]]*/ /g' | grep -v '^$')
if [ "$readme_cmds" = "make demo
make check" ]; then
    ok "README's first code block is 'make demo' and 'make check'"
else
    bad "README's first code block is: $(echo "$readme_cmds" | tr '\n' '|')"
fi
test_cmd=$(echo "$readme_cmds" | sed -n 2p) # the test command: make check

# ---- the CLI includes public headers or its own -------------------------------------
# Every #include "X" under tools/strata/ names strata/... (include/strata/) or a
# header of the CLI itself (found by name under tools/strata/); nothing from
# src/ (the library's internals).
stray=$(grep -rhoE '^#include "[^"]+"' "$SRC/tools/strata" | sed 's/#include "//; s/"$//' | sort -u |
    while read -r h; do
        case $h in
        strata/*) [ -f "$SRC/include/$h" ] || echo "$h" ;;
        */*) echo "$h" ;;
        *) [ -n "$(find "$SRC/tools/strata" -name "$h" -print -quit)" ] || echo "$h" ;;
        esac
    done)
if [ -z "$stray" ]; then
    ok "tools/strata includes only public headers and its own"
else
    bad "tools/strata includes headers that are neither public nor its own: $(echo $stray)"
fi

# ---- .ci/run calls it -------------------------------------------------------------
# A stand-in `make` first on PATH records its arguments and directory.
mkdir fakebin
cat >fakebin/make <<'EOF'
#!/usr/bin/env bash
echo "$(pwd -P) make $*" >>"$MAKE_LOG"
EOF
chmod +x fakebin/make
export MAKE_LOG=$work/make.log
if PATH=$work/fakebin:$PATH timeout "$T" bash "$SRC/.ci/run" >ci.out 2>&1; then
    ok ".ci/run exits 0 (with the stand-in make)"
else
    bad ".ci/run failed: $(cat ci.out)"
fi
want="$(cd "$SRC" && pwd -P) $test_cmd"
got=$(cat "$MAKE_LOG" 2>/dev/null)
[ "$got" = "$want" ] && ok ".ci/run runs '$test_cmd' once, at the repo root" ||
    bad ".ci/run ran '$got', expected '$want'"

# ---- make demo: what it runs --------------------------------------------------------
# make -n prints the recipe without running it.
if make -s -n -C "$SRC" demo >demo.n 2>&1; then ok "make -n demo"; else bad "make -n demo: $(cat demo.n)"; fi
grep -qx 'cmake --preset release >/dev/null' demo.n && ok "make demo configures the release preset" ||
    bad "make demo does not configure the release preset: $(tr '\n' '|' <demo.n)"
grep -q '^cmake --build --preset release\( \|$\)' demo.n && ok "make demo builds the release preset" ||
    bad "make demo does not build the release preset"
[ "$(grep -v '^$' demo.n | tail -n 1)" = "./build/release/strata demo" ] &&
    ok "make demo ends by running the release build's 'strata demo'" ||
    bad "make demo's last command is '$(tail -n 1 demo.n)'"
# The release preset builds into build/release (the path the recipe runs).
grep -q '"binaryDir": "${sourceDir}/build/${presetName}"' "$SRC/CMakePresets.json" &&
    grep -q '"name": "release"' "$SRC/CMakePresets.json" &&
    ok "the release preset builds into build/release" || bad "the release preset's binaryDir is not build/release"
"$STRATA" --help 2>&1 | grep -q '^  demo ' && ok "strata has a 'demo' command" || bad "no 'demo' in strata --help"

# ---- make demo needs no test dependency ------------------------------------------
# The release preset configured and built (into a scratch directory) with
# cmocka invisible to pkg-config, as on a fresh machine where only
# `scripts/deps.sh build` ran; its strata demo must run.
mkdir nocmocka
for d in $(pkg-config --variable pc_path pkg-config | tr ':' ' '); do
    for pc in "$d"/*.pc; do
        [ -e "$pc" ] && [ "$(basename "$pc")" != cmocka.pc ] && ln -sf "$pc" nocmocka/
    done
done
[ -e nocmocka/libuv.pc ] && [ ! -e nocmocka/cmocka.pc ] && ok "a pkg-config path without cmocka" ||
    bad "could not make a pkg-config path without cmocka"
if PKG_CONFIG_LIBDIR=$work/nocmocka pkg-config --exists cmocka; then bad "cmocka still visible"; fi
if PKG_CONFIG_LIBDIR=$work/nocmocka timeout "$T" cmake -S "$SRC" --preset release -B "$work/rel" \
    >rel.log 2>&1 && PKG_CONFIG_LIBDIR=$work/nocmocka timeout 420 cmake --build "$work/rel" \
    -j 2 --target strata >>rel.log 2>&1; then
    ok "the release preset configures and builds without cmocka"
else
    bad "the release preset needs cmocka: $(grep -i -m3 'error\|cmocka' rel.log | tr '\n' '|')"
fi
if timeout "$T" "$work/rel/strata" demo >reldemo.out 2>&1; then
    ok "strata demo runs from that build"
else
    bad "strata demo from the cmocka-less build: $(tail -n 5 reldemo.out)"
fi

# ---- cmake --install --------------------------------------------------------------
P=$work/prefix
if timeout "$T" cmake --install "$BUILD" --prefix "$P" >install.log 2>&1; then
    ok "cmake --install into a fresh prefix"
else
    bad "cmake --install failed: $(tail -n 5 install.log)"
fi
libdir=$P/$(sed -n 's/^CMAKE_INSTALL_LIBDIR:[A-Z]*=//p' "$BUILD/CMakeCache.txt")
[ -f "$libdir/libstrata.a" ] && ok "static library installed" || bad "no $libdir/libstrata.a"
[ -e "$libdir/libstrata.so" ] && ok "shared library installed" || bad "no $libdir/libstrata.so"
missing=
for h in "$SRC"/include/strata/*.h; do
    cmp -s "$h" "$P/include/strata/$(basename "$h")" || missing="$missing $(basename "$h")"
done
[ -z "$missing" ] && ok "every include/strata/*.h installed ($(ls "$SRC"/include/strata/*.h | wc -l))" ||
    bad "headers missing or different:$missing"
[ -x "$P/bin/strata" ] && ok "bin/strata installed" || bad "no bin/strata"
cmp -s "$SRC/docs/strata.1" "$P/share/man/man1/strata.1" && ok "man page installed as share/man/man1/strata.1" ||
    bad "no man page at share/man/man1/strata.1"
version=$(sed -n 's/^project(strata VERSION \([0-9.]*\).*/\1/p' "$SRC/CMakeLists.txt")
[ -n "$version" ] || bad "no project version in CMakeLists.txt"
got=$("$P/bin/strata" --version 2>&1)
[ "$got" = "strata $version" ] && ok "installed strata --version: $got" || bad "installed strata --version: '$got'"

pc=$libdir/pkgconfig/strata.pc
[ -f "$pc" ] && ok "strata.pc installed" || bad "no $pc"
export PKG_CONFIG_PATH=$libdir/pkgconfig
[ "$(pkg-config --modversion strata 2>&1)" = "$version" ] && ok "pkg-config --modversion strata = $version" ||
    bad "pkg-config --modversion strata: '$(pkg-config --modversion strata 2>&1)'"
# The .pc must point into the prefix it was installed to.
[ "$(pkg-config --variable=prefix strata)" = "$P" ] && ok "strata.pc's prefix is the install prefix" ||
    bad "strata.pc's prefix is '$(pkg-config --variable=prefix strata)', installed to '$P'"

# A program using the installed headers and library through pkg-config. The
# dev tree is built with ASan + UBSan, so its library needs a program built so.
san=
grep -q '^STRATA_SANITIZE:BOOL=ON' "$BUILD/CMakeCache.txt" && san="-fsanitize=address,undefined"
{
    for h in "$P"/include/strata/*.h; do echo "#include <strata/$(basename "$h")>"; done
    cat <<'EOF'
#include <stdio.h>
int main(void)
{
    printf("%s\n", strata_version());
    return 0;
}
EOF
} >use.c
# shellcheck disable=SC2046,SC2086 # pkg-config's words are flags
if cc -std=c17 -Wall -Wextra -Wpedantic -Werror $san -o use use.c $(pkg-config --cflags --libs strata) \
    >cc.log 2>&1; then
    ok "a program including every installed header compiles and links with pkg-config's flags"
else
    bad "compile/link with pkg-config failed: $(head -n 5 cc.log)"
fi
got=$(LD_LIBRARY_PATH=$libdir timeout "$T" ./use 2>&1)
[ "$got" = "$version" ] && ok "it runs against the installed library: strata_version() = $got" ||
    bad "the program printed '$got'"
# It used the installed shared library, not another one.
ldd_lib=$(LD_LIBRARY_PATH=$libdir ldd ./use 2>/dev/null | sed -n 's/^[[:space:]]*libstrata\.so[^ ]* => \([^ ]*\) .*/\1/p')
case $ldd_lib in
"$libdir"/*) ok "linked to the installed libstrata.so" ;;
*) bad "libstrata resolved to '$ldd_lib'" ;;
esac

# ---- every interop script is a ctest ------------------------------------------
ctest --test-dir "$BUILD" -N >ctest.n 2>&1 || bad "ctest -N failed"
missing=
n=0
for s in "$SRC"/tests/interop/test_*.sh; do
    name=$(basename "$s" .sh)
    n=$((n + 1))
    grep -q "Test *#[0-9]*: interop\.$name\$" ctest.n || missing="$missing $name"
done
[ -z "$missing" ] && ok "all $n tests/interop/test_*.sh are ctests interop.test_*" ||
    bad "not ctests:$missing"
missing=
n=0
for s in "$SRC"/tests/unit/test_*.c; do
    name=$(basename "$s" .c)
    n=$((n + 1))
    grep -q "Test *#[0-9]*: unit\.$name\$" ctest.n || missing="$missing $name"
done
[ -z "$missing" ] && ok "all $n tests/unit/test_*.c are ctests unit.test_*" ||
    bad "not ctests:$missing"
missing=
n=0
for s in "$SRC"/tests/fuzz/fuzz_*.c; do
    name=$(basename "$s" .c)
    name=${name#fuzz_}
    n=$((n + 1))
    grep -q "Test *#[0-9]*: fuzz-replay\.$name\$" ctest.n || missing="$missing $name"
done
[ -z "$missing" ] && ok "all $n tests/fuzz/fuzz_*.c replay as ctests fuzz-replay.*" ||
    bad "no replay ctest:$missing"

# ---- the shared library's exports -------------------------------------------------
if command -v nm >/dev/null; then
    nm -D --defined-only "$BUILD/libstrata.so" | awk '$2 ~ /^[TDBRVW]$/ { print $3 }' >exports
    others=$(grep -v '^strata_' exports | grep -v '^strata__' | head -n 5 | tr '\n' ' ')
    internal=$(grep '^strata__' exports | head -n 5 | tr '\n' ' ')
    [ -s exports ] && grep -qx strata_version exports && [ -z "$others" ] && [ -z "$internal" ] &&
        ok "libstrata.so exports only public strata_ names ($(wc -l <exports))" ||
        bad "libstrata.so exports: internal '$internal', other '$others'"
else
    bad "nm not found"
fi
finish
