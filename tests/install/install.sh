#!/bin/sh
# cmake --install into a temporary prefix, then use it as a user would:
# the example built with `cc $(pkg-config --cflags --libs unevict)` against
# the shared library and run, the static library linked too, the helper
# where conform finds it, both man pages rendered by `man -l`.
set -eu
BUILD=$1
SRC=$2
command -v pkg-config >/dev/null || { echo "skipped: pkg-config missing (apt-get install pkg-config)"; exit 77; }
command -v cc >/dev/null || { echo "skipped: no cc (apt-get install gcc)"; exit 77; }
P=$(mktemp -d)
trap 'rm -rf "$P"' EXIT
cmake --install "$BUILD" --prefix "$P" >/dev/null
ls "$P/bin/unevict" "$P/libexec/unevict/unevict-task" "$P/include/unevict.h" >/dev/null
libdir=$(dirname "$(find "$P" -name unevict.pc)")/..
# the shared library: real file, SONAME link, development link; the archive
ls "$libdir/libunevict.so" "$libdir/libunevict.so.0" "$libdir/libunevict.a" >/dev/null
soname=$(objdump -p "$libdir/libunevict.so" | awk '/SONAME/ { print $2 }')
[ "$soname" = libunevict.so.0 ] || { echo "SONAME '$soname'"; exit 1; }
# only the public API is exported
if nm -D --defined-only "$libdir/libunevict.so" | awk '{ print $3 }' | grep -v '^unev_' | grep -v '^UNEVICT_0$' | grep .; then
	echo "libunevict.so exports symbols without the unev_ prefix (above)"
	exit 1
fi
export PKG_CONFIG_PATH="$libdir/pkgconfig"
[ "$(pkg-config --modversion unevict)" = "$("$P/bin/unevict" --version | awk '{ print $2 }')" ]
# shellcheck disable=SC2046
cc -Wall -Wextra -Werror -o "$P/example" "$SRC/examples/mlock_counters.c" $(pkg-config --cflags --libs unevict)
LD_LIBRARY_PATH="$libdir" "$P/example"
# shellcheck disable=SC2046
cc -o "$P/example-static" "$SRC/examples/mlock_counters.c" $(pkg-config --cflags unevict) \
	"$libdir/libunevict.a" $(pkg-config --libs-only-l jansson)
"$P/example-static" >/dev/null
# conform finds the installed helper (its preflight names it when it cannot run)
"$P/bin/unevict" --help >/dev/null
if command -v man >/dev/null; then
	for page in man1/unevict.1 man5/unevict-scenario.5; do
		f=$(find "$P" -path "*/$page")
		out=$(MANWIDTH=80 man -l "$f" 2>"$P/man.err")
		[ -s "$P/man.err" ] && { echo "man -l $page:"; cat "$P/man.err"; exit 1; }
		[ "$(printf '%s\n' "$out" | wc -l)" -gt 40 ] || { echo "man -l $page: too short"; exit 1; }
	done
else
	echo "man missing (apt-get install man-db): pages not rendered"
fi
echo "install ok: $P"
