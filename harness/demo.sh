#!/bin/bash
# make demo: build what is missing (packages, kernel tree, test kernel,
# samples), then boot the patched kernel once and run the tour of
# samples/pidfd_spawn/tour.sh: an empty process, its configuration, a
# synchronous exec error and the retry, captured output, a PATH search, a
# container init and a job runner on io_uring.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
build=$top/build

echo "demo: checking packages, kernel tree, test kernel and samples"
"$here/deps.sh"
"$here/assemble.sh" "$build"
"$here/build-kernel.sh" "$build" test
make -s -C "$top" samples
echo "demo: booting the test kernel (TCG: allow a minute or two)"
exec "$here/run-guest" --timeout 600 -- \
	"$top/samples/pidfd_spawn/tour.sh" "$build/samples"
