#!/bin/sh
# autogen.sh -- generate configure and the Makefile templates from a git
# checkout.  Release tarballs already contain them.
set -e
cd "$(dirname "$0")"
mkdir -p build-aux m4
autoreconf -fi
