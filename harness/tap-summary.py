#!/usr/bin/env python3
"""Count TAP results across suite logs and print the closing line.

usage: tap-summary.py [--extra-failed N] LOG...   Each log holds one or more suites, each
started by a line '### suite NAME' and ended by '### exit NAME RC'.
Every 'ok N' / 'not ok N' line at the top level of a suite counts once;
'ok N ... # SKIP' counts as skipped.  A suite that exits non-zero without
reporting a failure, or that reports no result at all, counts as one
failure of its own (a crash must not vanish).  --extra-failed N adds N
failures the caller found outside the logs (a guest that died, a kernel
report on the console).
"""
import re
import sys

res = re.compile(r'^(not ok|ok) \d+\b(.*)$')
passed = failed = skipped = 0
failures, skips = [], []

args = sys.argv[1:]
if args[:1] == ['--extra-failed']:
    failed += int(args[1])
    args = args[2:]

for path in args:
    suite, counts, seen_fail = None, 0, False
    for line in open(path, errors='replace'):
        line = line.rstrip('\r\n')
        if line.startswith('### suite '):
            suite, counts, seen_fail = line[10:], 0, False
            continue
        if line.startswith('### exit ') and suite:
            rc = int(line.split()[-1])
            if (rc != 0 and not seen_fail) or counts == 0:
                failed += 1
                failures.append(f'{suite}: exit {rc} with '
                                f'{counts} results')
            suite = None
            continue
        m = res.match(line)
        if not m or suite is None:
            continue
        counts += 1
        verdict, rest = m.groups()
        if verdict == 'not ok':
            if '# SKIP' in rest:
                skipped += 1
                skips.append(f'{suite}: {rest.strip()}')
            else:
                failed += 1
                seen_fail = True
                failures.append(f'{suite}: {line}')
        elif '# SKIP' in rest:
            skipped += 1
            skips.append(f'{suite}: {rest.strip()}')
        else:
            passed += 1
    if suite is not None:
        failed += 1
        failures.append(f'{suite}: did not finish')

for s in skips:
    print(f'skipped: {s}')
for f in failures:
    print(f'FAILED: {f}')
print(f'{passed} passed, {failed} failed, {skipped} skipped')
sys.exit(1 if failed else 0)
