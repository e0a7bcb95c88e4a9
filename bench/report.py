#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Turn the spawn benchmark's TSV files into markdown tables and plots.

usage: report.py [--no-plots] RESULTS_DIR

Reads, as harness/bench.sh leaves them:
  RESULTS_DIR/icount/{spawn,profile,parked_mem,syscount,meta}.tsv
                                                          (run.sh --mode icount)
  RESULTS_DIR/smp/{spawn,meta}.tsv                        (run.sh --mode smp)
  RESULTS_DIR/kvm/{spawn,...}.tsv       (run.sh --mode icount under KVM)
  RESULTS_DIR/run-info.tsv   how the results were produced (bench.sh)
Either directory may be missing; its tables are left out.

Writes:
  RESULTS_DIR/results.md     every table, the targets and where each stands
  RESULTS_DIR/headline.md    the headline table (for the top-level README)
  RESULTS_DIR/plots/*.dat, *.gp, *.png   the plots (gnuplot, pngcairo)
"""
import csv
import os
import statistics
import subprocess
import sys

LABELS = {
    'fork': 'fork + execve',
    'vfork': 'vfork + execve',
    'clone3': 'clone3(CLONE_PIDFD) + execve',
    'posix_spawn': 'glibc posix_spawn',
    'lib_posix_spawn': 'libpidfd_spawn posix_spawn',
    'lib_pidfd_spawn': 'libpidfd_spawn pidfd_spawn',
    'raw': 'raw CLONE_EMPTY (clone3, 3 pidfd_config, commit)',
    'raw_nofds': 'raw CLONE_EMPTY, no fds (clone3, 2 pidfd_config, commit)',
    'exec_floor': 'exec floor (one execve in a running process)',
}
ORDER = ['fork', 'vfork', 'clone3', 'posix_spawn', 'lib_posix_spawn',
         'lib_pidfd_spawn', 'raw', 'raw_nofds']
# Plot labels (gnuplot, noenhanced).
SHORT = {
    'fork': 'fork', 'vfork': 'vfork', 'clone3': 'clone3',
    'posix_spawn': 'glibc posix_spawn',
    'lib_posix_spawn': 'lib posix_spawn',
    'lib_pidfd_spawn': 'lib pidfd_spawn',
    'raw': 'raw CLONE_EMPTY', 'raw_nofds': 'raw, no fds',
}
# The methods the targets are about.
TARGETED = ['raw', 'lib_pidfd_spawn', 'lib_posix_spawn']
BASE = (8, 3, 0)
# Request shapes (spawnbench -s; 'base' is no file actions, no attributes).
SHAPES = {
    'closefrom': 'closefrom(3)',
    'attrs_pgroup': '3 dup2 + SETPGROUP + SETSIGMASK + SETSIGDEF',
    'attrs_setsid': '3 dup2 + SETSID + SETSIGMASK + SETSIGDEF',
    'sigignore': 'all signals ignored in the caller',
}
SHAPED = ['fork', 'vfork', 'posix_spawn', 'lib_posix_spawn',
          'lib_pidfd_spawn']
CLOSEFROM_FDS = [10, 1000, 10000]
# The common shape of issue 12: its call count is a target.
COMMON = 'attrs_pgroup'
NR_CLONE3, NR_PIDFD_CONFIG, CMD_EXEC = 435, 480, 7


def read_tsv(path):
    if not os.path.exists(path):
        return []
    with open(path, newline='') as f:
        return list(csv.DictReader(f, delimiter='\t'))


def num(v):
    try:
        return float(v)
    except (TypeError, ValueError):
        return None


def fmt(v, digits=1):
    return '-' if v is None else f'{v:,.{digits}f}'


def ratio(a, b, digits=2):
    if a is None or b is None or b == 0:
        return '-'
    return f'{a / b:.{digits}f}'


def pct(a, b):
    if a is None or b is None or b == 0:
        return '-'
    return f'{(a / b - 1) * 100:+.1f}%'


def shape_of(r):
    return r.get('shape') or 'base'


class Results:
    def __init__(self, rows):
        self.rows = {}
        for r in rows:
            key = (r['method'], int(r['mem_mib']), int(r['fds']),
                   int(r['inherit']), int(r['threads']), shape_of(r))
            self.rows[key] = r

    def get(self, method, mem=8, fds=3, inherit=0, threads=1, shape='base'):
        return self.rows.get((method, mem, fds, inherit, threads, shape))

    def median(self, method, mem=8, fds=3, inherit=0, threads=1,
               shape='base'):
        r = self.get(method, mem, fds, inherit, threads, shape)
        if not r or r['status'] != 'ok':
            return None
        return num(r['median_us'])

    def configs(self, shape='base'):
        seen = []
        for (m, mem, fds, inh, thr, sh) in self.rows:
            if sh == shape and (mem, fds, inh, thr) not in seen:
                seen.append((mem, fds, inh, thr))
        return seen

    def shapes(self):
        seen = []
        for key in self.rows:
            if key[5] != 'base' and key[5] not in seen:
                seen.append(key[5])
        return seen


def cfg_name(mem, fds, inh, thr=1, shape='base'):
    s = f'{mem} MiB, {fds:,} fds'
    if fds > 3:
        s += ' inheritable' if inh else ' close-on-exec'
    if thr > 1:
        s += f', {thr} threads'
    if shape != 'base':
        s = f'{SHAPES.get(shape, shape)}, {s}'
    return s


def table(head, rows, align=None):
    out = ['| ' + ' | '.join(head) + ' |']
    align = align or ['---'] + ['---:'] * (len(head) - 1)
    out.append('| ' + ' | '.join(align) + ' |')
    for r in rows:
        out.append('| ' + ' | '.join(str(c) for c in r) + ' |')
    return '\n'.join(out) + '\n'


def status_cell(r):
    if not r:
        return 'not run'
    if r['status'] != 'ok':
        return f"{r['status']} ({r['note']})" if r['note'] else r['status']
    return None


def median_cell(r, spread=False):
    s = status_cell(r)
    if s:
        return s
    v = fmt(num(r['median_us']))
    if spread:
        v += f" ({fmt(num(r['p10_us']))}-{fmt(num(r['p90_us']))})"
    return v


def floor_value(res):
    r = res.get('exec_floor')
    if r and r['status'] == 'ok':
        return num(r['median_us'])
    return None


def headline(res, meta, info):
    floor = floor_value(res)
    ps = res.median('posix_spawn')
    rows = []
    for m in ORDER:
        r = res.get(m)
        if not r:
            continue
        base = res.median(m)
        rows.append([
            LABELS[m], median_cell(r, spread=True), ratio(base, ps, 3),
            ratio(base, floor, 3),
            median_cell(res.get(m, mem=1024)),
            median_cell(res.get(m, fds=10000)),
            median_cell(res.get(m, fds=10000, inherit=1)),
        ])
    fr = res.get('exec_floor')
    if fr:
        rows.append([LABELS['exec_floor'], median_cell(fr, spread=True),
                     ratio(floor, ps, 3), '1.000', '', '', ''])
    head = ['method', '8 MiB, 3 fds: median (p10-p90) us',
            'x glibc posix_spawn', 'x exec floor', '1 GiB', '10,000 fds',
            '10,000 inheritable fds']
    return table(head, rows)


def measured(r):
    """The median of a row measured on either path of the library."""
    if not r or r['status'] not in ('ok', 'fallback'):
        return None
    return num(r['median_us'])


def every_row(cfg, m, r, ps, floor):
    label = LABELS[m] + (' (fallback)' if r['status'] == 'fallback' else '')
    med = measured(r)
    if med is None:
        return [cfg, label, r['reps'], status_cell(r), '', '', '', '', '']
    p10, p90 = num(r['p10_us']), num(r['p90_us'])
    return [cfg, label, r['reps'], fmt(med), fmt(p10), fmt(p90),
            f'{(p90 - p10) / med * 100:.1f}%', ratio(med, ps),
            ratio(med, floor)]


def sweep_tables(res):
    out = []
    floor = floor_value(res)
    out.append('### Parent memory (3 fds), median us\n\n')
    rows = []
    for m in ORDER:
        if not res.get(m):
            continue
        a = res.median(m, 8)
        b = res.median(m, 1024)
        rows.append([LABELS[m]] + [median_cell(res.get(m, mem=x))
                                   for x in (8, 256, 1024)] +
                    [pct(b, a)])
    out.append(table(['method', '8 MiB', '256 MiB', '1 GiB',
                      '1 GiB vs 8 MiB'], rows))
    out.append('\n### Open descriptors (8 MiB), median us\n\n')
    rows = []
    for m in ORDER:
        if not res.get(m):
            continue
        a = res.median(m)
        rows.append([LABELS[m], median_cell(res.get(m))] +
                    [median_cell(res.get(m, fds=f, inherit=i))
                     for i in (0, 1) for f in (1000, 10000)] +
                    [pct(res.median(m, fds=10000), a),
                     pct(res.median(m, fds=10000, inherit=1), a)])
    out.append(table(['method', '3', '1,000 cloexec', '10,000 cloexec',
                      '1,000 inherit.', '10,000 inherit.',
                      '10k cloexec vs 3', '10k inherit. vs 3'], rows))

    out.append('\n### Every configuration\n\n'
               'Median, 10th and 90th percentile of spawn + exit + reap in '
               'microseconds of guest CLOCK_MONOTONIC; spread = (p90 - p10) '
               '/ median; ratios of the medians.  A library row marked '
               '"(fallback)" was measured on the library\'s vfork-style '
               'fallback although the kernel has CLONE_EMPTY.\n\n')
    rows = []
    for shape in ['base'] + res.shapes():
        for (mem, fds, inh, thr) in res.configs(shape):
            if thr != 1:
                continue
            ps = res.median('posix_spawn', mem, fds, inh, shape=shape)
            for m in ORDER + ['exec_floor']:
                r = res.get(m, mem, fds, inh, shape=shape)
                if r:
                    rows.append(every_row(cfg_name(mem, fds, inh, 1, shape),
                                          m, r, ps, floor))
    out.append(table(['configuration', 'method', 'reps', 'median us',
                      'p10', 'p90', 'spread', 'x posix_spawn',
                      'x exec floor'], rows,
                     ['---', '---'] + ['---:'] * 7))
    return ''.join(out)


# ---- request shapes ----

def shape_cell(r, ps=None):
    """Median (x glibc posix_spawn), measured on either library path."""
    med = measured(r)
    if med is None:
        return status_cell(r)
    v = fmt(med)
    if ps:
        v += f' ({med / ps:.3f})'
    return v + (' fallback' if r['status'] == 'fallback' else '')


def closefrom_ratio(res, m):
    """Time at 10,000 fds / time at 10 fds, and whether a row fell back."""
    a = res.get(m, fds=CLOSEFROM_FDS[0], inherit=1, shape='closefrom')
    b = res.get(m, fds=CLOSEFROM_FDS[-1], inherit=1, shape='closefrom')
    lo, hi = measured(a), measured(b)
    if lo is None or hi is None:
        return None, False
    return hi / lo, 'fallback' in (a['status'], b['status'])


def ignored_count(res):
    for m in SHAPED:
        r = res.get(m, shape='sigignore')
        for word in (r['note'].split() if r else []):
            if word.startswith('ignored='):
                return word[len('ignored='):]
    return '?'


def shape_methods(res):
    return [m for m in SHAPED if any(key[0] == m and key[5] != 'base'
                                     for key in res.rows)]


def closefrom_table(res):
    rows = []
    for m in shape_methods(res):
        cells = [shape_cell(res.get(m, fds=f, inherit=1, shape='closefrom'),
                            res.median('posix_spawn', fds=f, inherit=1,
                                       shape='closefrom'))
                 for f in CLOSEFROM_FDS]
        q, fb = closefrom_ratio(res, m)
        rows.append([LABELS[m]] + cells +
                    ['-' if q is None else f'{q:.3f}' +
                     (' fallback' if fb else '')])
    return table(['method'] + [f'{f:,} fds' for f in CLOSEFROM_FDS] +
                 [f'{CLOSEFROM_FDS[-1]:,} / {CLOSEFROM_FDS[0]:,} fds'], rows)


def attrs_table(res):
    cols = ['attrs_pgroup', 'attrs_setsid', 'sigignore']
    ps = {c: res.median('posix_spawn', shape=c) for c in cols}
    ps0 = res.median('posix_spawn')
    rows = []
    for m in shape_methods(res):
        rows.append([LABELS[m], shape_cell(res.get(m), ps0)] +
                    [shape_cell(res.get(m, shape=c), ps[c]) for c in cols])
    return table(['method', 'no file actions or attributes'] +
                 [SHAPES[c] if c != 'sigignore' else
                  f'{ignored_count(res)} signals ignored in the caller'
                  for c in cols], rows)


def shape_text(res):
    return ('The shapes (bench/spawnbench.c, `-s`), each set up once per '
            'run, before the first spawn; fork + execve and vfork + execve '
            'make the same requests in their child, in glibc\'s order.  '
            '**closefrom(3)**: `posix_spawn_file_actions_addclosefrom_np(3)`'
            ' (`close_range(3, ~0U, 0)` in the fork and vfork children), '
            'the caller holding 10, 1,000 and 10,000 *inheritable* fds in '
            'all.  **3 dup2 + ...**: `adddup2()` of three close-on-exec '
            '/dev/null descriptors onto 0, 1 and 2, an empty SETSIGMASK and '
            'SETSIGDEF of SIGINT, SIGQUIT, SIGPIPE, SIGTERM, SIGTSTP, '
            'SIGTTIN and SIGTTOU, with SETPGROUP (pgroup 0) or SETSID: not '
            'both, glibc calls setsid() and then setpgid(), which fails '
            'with EPERM for a session leader.  **Ignored signals**: the '
            f'caller sets SIG_IGN for {ignored_count(res)} signals, every '
            'signal from 1 to 64 but SIGKILL, SIGSTOP, SIGCHLD (ignoring it '
            'would make the children reap themselves) and the two glibc '
            'reserves; no file actions or attributes.  Cells: median us '
            '(x glibc posix_spawn of the same shape and run); "fallback": '
            'the library took its vfork-style fallback although the kernel '
            'has CLONE_EMPTY.\n\n')


def shape_tables(res):
    out = [shape_text(res)]
    if res.get('posix_spawn', fds=CLOSEFROM_FDS[0], inherit=1,
               shape='closefrom'):
        out.append('### closefrom(3), inheritable fds (8 MiB)\n\n')
        out.append(closefrom_table(res) + '\n')
    out.append('### Attributes, ignored signals (8 MiB, 3 fds)\n\n')
    out.append(attrs_table(res))
    return ''.join(out)


def shape_headline(res):
    cols = [('closefrom', f) for f in (CLOSEFROM_FDS[0],
                                       CLOSEFROM_FDS[-1])] + \
        [(c, 3) for c in ('attrs_pgroup', 'attrs_setsid', 'sigignore')]
    rows = []
    for m in shape_methods(res):
        cells = []
        for sh, f in cols:
            inh = int(sh == 'closefrom')
            cells.append(shape_cell(res.get(m, fds=f, inherit=inh, shape=sh),
                                    res.median('posix_spawn', fds=f,
                                               inherit=inh, shape=sh)))
        q, fb = closefrom_ratio(res, m)
        rows.append([LABELS[m]] + cells[:2] +
                    ['-' if q is None else f'{q:.3f}' +
                     (' fallback' if fb else '')] + cells[2:])
    head = ['method (8 MiB; median us, x glibc posix_spawn)',
            'closefrom(3), 10 inheritable fds',
            'closefrom(3), 10,000 inheritable fds', '10,000 / 10 fds',
            SHAPES['attrs_pgroup'], SHAPES['attrs_setsid'],
            f'{ignored_count(res)} ignored signals']
    return table(head, rows)


# ---- system calls per spawn call (syscount) ----

class Syscalls:
    """syscount.tsv: per (method, mem, fds, inherit, shape), the calls."""

    def __init__(self, rows):
        self.by = {}
        for r in rows:
            key = (r['method'], int(r['mem_mib']), int(r['fds']),
                   int(r['inherit']), r['shape'])
            e = self.by.setdefault(key, {'spawns': r['spawns'], 'nr': {},
                                         'detail': {}})
            n = num(r['calls_per_spawn'])
            if r['detail'] == '-':
                e['nr'][(int(r['nr']), r['syscall'])] = n
            else:
                e['detail'][(int(r['nr']), r['detail'])] = n

    def summary(self, key):
        """(clone3, config calls, commits, other calls, total, e)."""
        e = self.by.get(key)
        if not e:
            return None
        clone3 = sum(n for (nr, _), n in e['nr'].items() if nr == NR_CLONE3)
        pcfg = sum(n for (nr, _), n in e['nr'].items()
                   if nr == NR_PIDFD_CONFIG)
        commit = sum(n for (nr, d), n in e['detail'].items()
                     if nr == NR_PIDFD_CONFIG and
                     detail_parts(d)[0] == str(CMD_EXEC))
        total = sum(e['nr'].values())
        other = total - clone3 - pcfg
        return clone3, pcfg - commit, commit, other, total, e


def calls_cell(n):
    return '-' if n is None else f'{n:g}'


def detail_parts(d):
    """A syscount detail "CMD KEY" as (cmd, key)."""
    cmd, _, key = d.partition(' ')
    return cmd, key or '""'


def syscall_rows(sc):
    rows = []
    order = {m: i for i, m in enumerate(ORDER)}
    for key in sorted(sc.by, key=lambda k: (list(SHAPES).index(k[4])
                                            if k[4] in SHAPES else -1,
                                            k[2], order.get(k[0], 99))):
        m, mem, fds, inh, shape = key
        clone3, cfg, commit, other, total, e = sc.summary(key)
        others = ', '.join(f'{name} {n:g}' for (nr, name), n in
                           sorted(e['nr'].items())
                           if nr not in (NR_CLONE3, NR_PIDFD_CONFIG))
        keys = ', '.join(detail_parts(d)[1] + ('' if n == 1 else f' {n:g}')
                         for (nr, d), n in e['detail'].items()
                         if nr == NR_PIDFD_CONFIG and
                         detail_parts(d)[0] != str(CMD_EXEC))
        label = LABELS.get(m, m)
        if m.startswith('lib_') and not cfg + commit:
            label += ' (fallback: no pidfd_config)'
        rows.append([label, cfg_name(mem, fds, inh, 1, shape), e['spawns'], calls_cell(total), calls_cell(clone3),
                     calls_cell(cfg), calls_cell(commit), others or '-',
                     keys or '-'])
    return rows


def syscall_table(sc):
    text = ('bench/syscount.c runs spawnbench -Z under ptrace '
            '(PTRACE_SYSCALL, PTRACE_O_TRACESYSGOOD) and counts, by system '
            'call number, the calls the *caller* makes from the start of '
            'each spawn call to its return (the reap not included): 3 '
            'spawns after 1 warm-up, so the library\'s one-time probes are '
            'not in the figures; calls per spawn.  The children are not '
            'traced: glibc\'s posix_spawn does its work (dup2, setsid, a '
            'rt_sigaction per signal...) in its vfork child, so its rows '
            'show only the caller\'s side.  pidfd_config calls are split '
            'by command: "config" (SET_*) and "commit" (CMD_EXEC); the keys '
            'column lists the configuration keys, with their count per '
            'spawn where it is not 1.  The raw rows check the counter: '
            'clone3 + 3 (2 without fds) pidfd_config + commit by '
            'construction.\n\n')
    return text + table(['method', 'shape', 'spawns', 'calls', 'clone3',
                         'pidfd_config', 'commit', 'other calls',
                         'pidfd_config keys'], syscall_rows(sc),
                        ['---', '---'] + ['---:'] * 5 + ['---', '---'])


def common_calls(sc, m):
    """The target cell: clone3 + at most 4 pidfd_config + commit."""
    s = sc.summary((m, 8, 3, 0, COMMON)) if sc else None
    if not s:
        return 'not measured'
    clone3, cfg, commit, other, total, _ = s
    ok = clone3 == 1 and cfg <= 4 and commit == 1
    return (f'{clone3:g} + {cfg:g} + {commit:g} ({other:g} other, '
            f'{total:g} in all) {verdict(ok)}')


def profile_table(rows):
    out = []
    base = [r for r in rows if (int(r['mem_mib']), int(r['fds']),
                                int(r['inherit'])) == BASE]
    by = {}
    for r in base:
        by.setdefault(r['method'], []).append((r['phase'],
                                               num(r['median_us'])))
    lines = []
    for m in ORDER:
        if m in by:
            lines.append([LABELS[m], ', '.join(f'{p} {fmt(v)}'
                                               for p, v in by[m])])
    out.append(table(['method', 'phases, median us (8 MiB, 3 fds)'], lines,
                     ['---', '---']))
    return ''.join(out)


def parked_table(rows):
    kinds = {}
    slabs = {}
    for r in rows:
        if r['kind'] == 'slab':
            continue
        kinds.setdefault(r['kind'], []).append(r)
    fields = [('memfree_kib', 'MemFree drop'), ('slab_kib', 'Slab'),
              ('sunreclaim_kib', 'SUnreclaim'),
              ('kernelstack_kib', 'KernelStack'),
              ('pagetables_kib', 'PageTables'),
              ('vmallocused_kib', 'VmallocUsed')]
    out = []
    lines = []
    for kind, rs in kinds.items():
        count = int(rs[0]['count'])
        cells = []
        for f, _ in fields:
            vals = [num(r[f]) * 1024 / count for r in rs]
            cells.append(f'{statistics.median(vals):,.0f}')
        pp = [num(r['per_process_bytes']) for r in rs]
        lines.append([{'empty': 'parked empty process (CLONE_EMPTY)',
                       'vfork': 'vfork child blocked before exec'}
                      .get(kind, kind), str(count), str(len(rs))] + cells +
                     [f'{min(pp):,.0f}-{max(pp):,.0f}'])
    out.append(table(['kind', 'count', 'rounds'] +
                     [f'{n} B/process' for _, n in fields] +
                     ['MemFree B/process, range'], lines))
    return ''.join(out), kinds


def slab_table(path, kinds):
    # The raw file has extra columns on slab lines: parse by hand.
    per = {}
    if not os.path.exists(path):
        return ''
    for line in open(path):
        f = line.rstrip('\n').split('\t')
        if f[0] != 'slab':
            continue
        kind, rnd, cache, dobj, dbytes = f[1], f[2], f[3], f[4], f[5]
        count = int(kinds[kind][0]['count']) if kind in kinds else 1
        per.setdefault((kind, cache), []).append(int(dbytes) / count)
    if not per:
        return ('/proc/slabinfo is absent in this kernel (no '
                'CONFIG_SLUB_DEBUG): no per-cache figures.\n')
    caches = sorted({c for _, c in per},
                    key=lambda c: -max(statistics.median(v)
                                       for (k, cc), v in per.items()
                                       if cc == c))
    lines = []
    for c in caches:
        a = per.get(('empty', c))
        b = per.get(('vfork', c))
        if max(statistics.median(a) if a else 0,
               statistics.median(b) if b else 0) < 16:
            continue
        lines.append([c, fmt(statistics.median(a), 0) if a else '0',
                      fmt(statistics.median(b), 0) if b else '0'])
    return table(['slab cache', 'empty B/process', 'vfork B/process'],
                 lines)


FTRACE_GROUPS = [
    ('8 MiB, 3 fds', ['raw, 8 MiB, 3 fds', 'lib_pidfd_spawn, 8 MiB, 3 fds',
                      'posix_spawn, 8 MiB, 3 fds', 'vfork, 8 MiB, 3 fds']),
    ('10,000 fds', ['raw, 10000 cloexec fds',
                    'posix_spawn, 10000 cloexec fds',
                    'raw, 10000 inheritable fds',
                    'posix_spawn, 10000 inheritable fds']),
]


def ftrace_tables(rows):
    data = {}
    for r in rows:
        data.setdefault(r['label'], {})[r['function']] = (
            num(r['calls_per_spawn']), num(r['us_per_spawn']))
    out = []
    for title, labels in FTRACE_GROUPS:
        labels = [lab for lab in labels if lab in data]
        if not labels:
            continue
        funcs = {}
        for lab in labels:
            for f, (c, us) in data[lab].items():
                funcs[f] = max(funcs.get(f, 0), us)
        lines = []
        for f in sorted(funcs, key=lambda f: -funcs[f]):
            if funcs[f] < 5:
                continue
            cells = []
            for lab in labels:
                c, us = data[lab].get(f, (None, None))
                cells.append('-' if us is None else
                             f'{us:,.1f} ({c:g})')
            lines.append([f'`{f}`'] + cells)
        out.append(f'#### {title}: inclusive us per spawn (calls)\n\n')
        out.append(table(['function'] + labels, lines))
        out.append('\n')
    return ''.join(out), data


def shape_notes(res, sc):
    """Remarks on the missed targets of the request shapes."""
    out = []
    for m in ('lib_pidfd_spawn', 'lib_posix_spawn'):
        q, fb = closefrom_ratio(res, m)
        if q is not None and abs(q - 1) > 0.02:
            lo = measured(res.get(m, fds=CLOSEFROM_FDS[0], inherit=1,
                                  shape='closefrom'))
            hi = measured(res.get(m, fds=CLOSEFROM_FDS[-1], inherit=1,
                                  shape='closefrom'))
            out.append(f'- {LABELS[m]}, closefrom(3): {hi:,.1f} us with '
                       f'10,000 inheritable fds against {lo:,.1f} us with '
                       f'10 ({q:.3f}; the target is within 2%)' +
                       (', on the fallback.' if fb else '.'))
        s = sc.summary((m, 8, 3, 0, COMMON)) if sc else None
        if s and not (s[0] == 1 and s[1] <= 4 and s[2] == 1):
            others = ', '.join(f'{name} {n:g}' for (nr, name), n in
                               sorted(s[5]['nr'].items())
                               if nr not in (NR_CLONE3, NR_PIDFD_CONFIG))
            out.append(f'- {LABELS[m]}, {SHAPES[COMMON]}: clone3 '
                       f'{s[0]:g}, {s[1]:g} pidfd_config configuration '
                       f'calls, {s[2]:g} commit (target: at most 4 '
                       'configuration calls)' +
                       (f'; other calls: {others}.' if others else '.'))
    return out


def notes(res, prof, fdata, sc=None):
    """Computed remarks on the targets that are missed."""
    out = []
    floor = floor_value(res)
    ps = res.median('posix_spawn')
    ph = {}
    for r in prof:
        if (int(r['mem_mib']), int(r['fds']), int(r['inherit'])) == BASE:
            ph.setdefault(r['method'], {})[r['phase']] = num(r['median_us'])
    for m in TARGETED:
        base = res.median(m)
        if base is None or ps is None:
            continue
        if base > 0.9 * ps:
            p = ph.get(m, {})
            reap = p.get('reap')
            pre = sum(v for k, v in p.items() if k != 'reap') if p else None
            psp = ph.get('posix_spawn', {})
            out.append(
                f'- {LABELS[m]}: {base:,.1f} us against glibc posix_spawn\'s '
                f'{ps:,.1f} us ({base / ps:.3f}; the target is 0.90).  '
                + (f'The call itself takes {pre:,.1f} us against '
                   f'posix_spawn\'s {psp.get("spawn", 0):,.1f} us; the rest, '
                   f'{reap:,.1f} us against {psp.get("reap", 0):,.1f} us, is '
                   'the part of the exec after its point of no return, the '
                   'program, its exit and the reap, common to every method. '
                   if pre is not None and reap is not None else '')
                + (f'The exec floor alone is {floor:,.1f} us: a spawn '
                   f'that cost nothing more than the exec would be '
                   f'{floor / ps:.3f} of posix_spawn.' if floor else ''))
    for m in TARGETED:
        base = res.median(m)
        f10 = res.median(m, fds=10000)
        if base is None or f10 is None or abs(f10 / base - 1) <= 0.02:
            continue
        cfg = fdata.get('raw, 10000 cloexec fds', {})
        inh = cfg.get('pidfd_spawn_set_inherit')
        dfe = cfg.get('dup_fd_exec')
        nofd = res.median('raw_nofds', fds=10000)
        nofd3 = res.median('raw_nofds')
        out.append(
            f'- {LABELS[m]} at 10,000 close-on-exec fds: {f10:,.1f} us, '
            f'{f10 - base:+,.1f} us over 3 fds.'
            + (f'  function_graph puts {inh[1]:,.1f} us per spawn in '
               '`pidfd_spawn_set_inherit()` (the "inherit_fds" snapshot)'
               + (f', {dfe[1]:,.1f} us of it in `dup_fd_exec()`, which '
                  'reads the open and close-on-exec bitmaps a word at a '
                  'time' if dfe else '') + '.'
               if inh else '')
            + (f'  Without "inherit_fds" (raw, no fds) the time is '
               f'{nofd:,.1f} us against {nofd3:,.1f} us at 3 fds.'
               if nofd and nofd3 else ''))
    i10 = res.median('raw', fds=10000, inherit=1)
    p10 = res.median('posix_spawn', fds=10000, inherit=1)
    if i10 and p10 and i10 > 1.02 * p10:
        raw = fdata.get('raw, 10000 inheritable fds', {})
        psp = fdata.get('posix_spawn, 10000 inheritable fds', {})
        parts = []
        for fn, cfg in (('dup_fd_exec', raw), ('dup_fd', psp),
                        ('exit_files', raw), ('exit_files', psp)):
            if cfg.get(fn):
                who = 'raw' if cfg is raw else 'posix_spawn'
                parts.append(f'`{fn}()` {cfg[fn][1]:,.1f} us ({who})')
        out.append(
            f'- Not a target, but worth knowing: with 10,000 inheritable '
            f'fds the raw API takes {i10:,.1f} us against posix_spawn\'s '
            f'{p10:,.1f} us.'
            + ('  Under the tracer, per spawn: ' + ', '.join(parts) + '.'
               if parts else ''))
    out += shape_notes(res, sc)
    return '\n'.join(out) + '\n' if out else ''


def threads_table(res):
    rows = []
    for m in ORDER:
        r1 = res.get(m, threads=1)
        r4 = res.get(m, threads=4)
        if not r1 and not r4:
            continue
        t1 = num(r1['per_s']) if r1 and r1['status'] == 'ok' else None
        t4 = num(r4['per_s']) if r4 and r4['status'] == 'ok' else None
        rows.append([LABELS[m], status_cell(r1) or fmt(t1, 0),
                     status_cell(r4) or fmt(t4, 0), ratio(t4, t1),
                     median_cell(r1, True), median_cell(r4, True)])
    return table(['method', '1 thread: spawns/s', '4 threads: spawns/s',
                  '4 vs 1', '1 thread: median (p10-p90) us',
                  '4 threads: median (p10-p90) us'], rows)


def verdict(ok):
    if ok is None:
        return 'not measured'
    return 'met' if ok else '**missed**'


def targets(res, sc=None):
    """Rows: the targets; columns: the methods, measured value and verdict."""
    floor = floor_value(res)
    ps = res.median('posix_spawn')
    ps10 = res.median('posix_spawn', fds=10000)
    fk = res.median('fork', mem=1024)
    cols = TARGETED + ['raw_nofds']
    names = [
        'at least 10% faster than glibc posix_spawn at 8 MiB, 3 fds '
        '(time / posix_spawn <= 0.90)',
        'flat in memory: 1 GiB within 2% of 8 MiB',
        'at 1 GiB at least 30x faster than fork + execve',
        'flat in fds: 10,000 close-on-exec fds within 2% of 3',
        'at 10,000 close-on-exec fds at least 1.5x faster than posix_spawn',
        'overhead over the exec floor at most 25%',
        'closefrom(3) flat in fds: 10,000 inheritable fds within 2% of 10 '
        '(time at 10,000 / time at 10)',
    ]
    calls = (f'system calls of one spawn call, {SHAPES[COMMON]} (8 MiB, 3 '
             'fds): clone3 + at most 4 pidfd_config + commit (syscount: '
             'clone3 + config + commit)')
    cells = {n: [] for n in names}
    for m in cols:
        base = res.median(m)
        g = res.median(m, mem=1024)
        f10 = res.median(m, fds=10000)
        checks = [
            (ratio(base, ps, 3),
             base and ps and base <= 0.9 * ps),
            (pct(g, base), g and base and abs(g / base - 1) <= 0.02),
            ((ratio(fk, g, 1) + 'x') if fk and g else '-',
             fk and g and fk / g >= 30),
            (pct(f10, base), f10 and base and abs(f10 / base - 1) <= 0.02),
            ((ratio(ps10, f10) + 'x') if ps10 and f10 else '-',
             ps10 and f10 and ps10 / f10 >= 1.5),
            (pct(base, floor), base and floor and base / floor - 1 <= 0.25),
        ]
        q, fb = closefrom_ratio(res, m)
        checks.append(('-' if q is None else f'{q:.3f}' +
                       (' (fallback)' if fb else ''),
                       q is not None and abs(q - 1) <= 0.02))
        for n, (val, ok) in zip(names, checks):
            ok = None if val in ('-', '-x') else bool(ok)
            cells[n].append(f'{val} {verdict(ok)}' if ok is not None
                            else 'not measured')
    head = ['target'] + [LABELS[m] + ('' if m in TARGETED else
                                      ' (for comparison)') for m in cols]
    rows = [[n] + cells[n] for n in names]
    rows.append([calls] + [common_calls(sc, m) for m in cols])
    return table(head, rows, ['---'] + ['---'] * len(cols))


# ---- plots ----

def write(path, text):
    with open(path, 'w') as f:
        f.write(text)


def plots(res, smp, outdir):
    pdir = os.path.join(outdir, 'plots')
    os.makedirs(pdir, exist_ok=True)
    made = []
    floor = floor_value(res) if res else None
    common = ("set terminal pngcairo noenhanced size 1000,620 "
              "font 'sans,10'\n"
              "set grid\nset key outside right top\n")

    def lines_plot(name, title, xs, xlabel, getter, methods, xtics):
        dat = os.path.join(pdir, name + '.dat')
        with open(dat, 'w') as f:
            f.write('# x ' + ' '.join(methods) + '\n')
            for x in xs:
                vals = [getter(m, x) for m in methods]
                f.write(f'{x} ' + ' '.join('NaN' if v is None else f'{v}'
                                           for v in vals) + '\n')
        series = [f"'{name}.dat' using 1:{i + 2} with linespoints lw 2 "
                  f"title '{SHORT[m]}'" for i, m in enumerate(methods)]
        if floor:
            series.append(f"{floor} with lines dt 2 lw 2 lc rgb 'black' "
                          "title 'exec floor'")
        gp = (common + f"set output '{name}.png'\nset title '{title}'\n"
              f"set logscale x\nset logscale y\nset xlabel '{xlabel}'\n"
              "set ylabel 'spawn + exit + reap, median us (guest icount "
              "time)'\n" + f"set xtics ({xtics})\n" +
              'plot ' + ', \\\n     '.join(series) + '\n')
        write(os.path.join(pdir, name + '.gp'), gp)
        made.append(name)

    if res:
        ms = [m for m in ORDER if any(res.median(m, mem=x)
                                      for x in (8, 256, 1024))]
        lines_plot('memory', 'Spawn time against parent memory (3 fds)',
                   [8, 256, 1024], 'parent memory touched, MiB',
                   lambda m, x: res.median(m, mem=x), ms,
                   '"8" 8, "256" 256, "1024" 1024')
        for inh, tag in ((0, 'close-on-exec'), (1, 'inheritable')):
            ms = [m for m in ORDER if any(res.median(m, fds=f, inherit=inh)
                                          for f in (1000, 10000))]
            lines_plot(f'fds_{tag.replace("-", "")}',
                       f'Spawn time against open fds, {tag} (8 MiB)',
                       [3, 1000, 10000], f'open fds ({tag} beyond 0-2)',
                       lambda m, f, inh=inh: res.median(
                           m, fds=f, inherit=inh if f > 3 else 0),
                       ms, '"3" 3, "1,000" 1000, "10,000" 10000')
        # Base configuration: bars with the p10-p90 range.
        dat = os.path.join(pdir, 'base.dat')
        with open(dat, 'w') as f:
            f.write('# label median p10 p90\n')
            for m in ORDER + ['exec_floor']:
                r = res.get(m)
                if r and r['status'] == 'ok':
                    lab = SHORT.get(m, 'exec floor')
                    f.write(f'"{lab}" {r["median_us"]} {r["p10_us"]} '
                            f'{r["p90_us"]}\n')
        gp = (common + "set output 'base.png'\n"
              "set title 'Spawn + exit + reap, 8 MiB, 3 fds (median, "
              "p10-p90)'\nset style data histogram\n"
              "set style histogram errorbars gap 1 lw 1\n"
              "set style fill solid 0.6 border -1\nset key off\n"
              "set xtics rotate by -30\nset yrange [0:*]\n"
              "set ylabel 'us (guest icount time)'\n"
              "plot 'base.dat' using 2:3:4:xtic(1) lc rgb '#4477aa'\n")
        write(os.path.join(pdir, 'base.gp'), gp)
        made.append('base')
    if smp:
        dat = os.path.join(pdir, 'threads.dat')
        with open(dat, 'w') as f:
            f.write('# label t1 t4\n')
            for m in ORDER:
                a, b = smp.get(m, threads=1), smp.get(m, threads=4)
                if a and b and a['status'] == 'ok' and b['status'] == 'ok':
                    f.write(f'"{SHORT[m]}" {a["per_s"]} {b["per_s"]}\n')
        gp = (common + "set output 'threads.png'\n"
              "set title 'Throughput, 1 and 4 threads spawning at once "
              "(--smp 2, TCG real time)'\n"
              "set style data histogram\nset style histogram cluster gap 1\n"
              "set style fill solid 0.7 border -1\nset xtics rotate by -30\n"
              "set yrange [0:*]\nset ylabel 'spawns per second'\n"
              "plot 'threads.dat' using 2:xtic(1) title '1 thread', "
              "'' using 3 title '4 threads'\n")
        write(os.path.join(pdir, 'threads.gp'), gp)
        made.append('threads')
    return made


def run_gnuplot(outdir, names):
    pdir = os.path.join(outdir, 'plots')
    for n in names:
        subprocess.run(['gnuplot', n + '.gp'], cwd=pdir, check=True)


def main():
    args = sys.argv[1:]
    do_plots = True
    if args and args[0] == '--no-plots':
        do_plots = False
        args = args[1:]
    if len(args) != 1:
        sys.exit(__doc__)
    outdir = args[0]
    ic = os.path.join(outdir, 'icount')
    sm = os.path.join(outdir, 'smp')
    res = Results(read_tsv(os.path.join(ic, 'spawn.tsv'))) \
        if os.path.exists(os.path.join(ic, 'spawn.tsv')) else None
    smp = Results(read_tsv(os.path.join(sm, 'spawn.tsv'))) \
        if os.path.exists(os.path.join(sm, 'spawn.tsv')) else None
    kv = os.path.join(outdir, 'kvm')
    kvm = Results(read_tsv(os.path.join(kv, 'spawn.tsv'))) \
        if os.path.exists(os.path.join(kv, 'spawn.tsv')) else None
    meta = {r['key']: r['value']
            for r in read_tsv(os.path.join(ic, 'meta.tsv'))}
    smeta = {r['key']: r['value']
             for r in read_tsv(os.path.join(sm, 'meta.tsv'))}
    info = {r['key']: r['value']
            for r in read_tsv(os.path.join(outdir, 'run-info.tsv'))}
    sc_rows = read_tsv(os.path.join(ic, 'syscount.tsv'))
    sc = Syscalls(sc_rows) if sc_rows else None
    ksc_rows = read_tsv(os.path.join(kv, 'syscount.tsv'))
    ksc = Syscalls(ksc_rows) if ksc_rows else None

    md = ['# Spawn benchmark results\n\n']
    if info:
        md.append('How these figures were produced:\n\n')
        md.append(table(['', ''], [[k, v.replace('|', '\\|')]
                                   for k, v in info.items()],
                        ['---', '---']))
        md.append('\n')
    if meta:
        md.append('Guest of the icount run:\n\n')
        md.append(table(['', ''], [[k, v] for k, v in meta.items()],
                        ['---', '---']))
        md.append('\n')
    md.append('Every figure is the time from just before the spawn call to '
              'just after the child was reaped, for a static program that '
              'exits at once (bench/exit0.c), in microseconds of the '
              "guest's CLOCK_MONOTONIC.  Under `--icount` "
              '(`-icount shift=0,sleep=off`) guest time advances by 1 ns '
              'per instruction executed, so these are instruction counts: '
              'repeatable from run to run, not wall-clock times of real '
              'hardware.\n\n')
    if res:
        md.append('## Headline (icount, 1 thread)\n\n')
        h = headline(res, meta, info)
        if res.shapes():
            h += '\n' + shape_headline(res)
        md.append(h + '\n')
        write(os.path.join(outdir, 'headline.md'), h)
        md.append('## Targets\n\n')
        md.append(targets(res, sc) + '\n')
        md.append('## Sweeps (icount, 1 thread)\n\n')
        md.append(sweep_tables(res) + '\n')
        if res.shapes():
            md.append('## Request shapes (icount, 1 thread)\n\n')
            md.append(shape_tables(res) + '\n')
        if sc:
            md.append('## System calls of one spawn call (ptrace)\n\n')
            md.append(syscall_table(sc) + '\n')
        prof = read_tsv(os.path.join(ic, 'profile.tsv'))
        ft = read_tsv(os.path.join(ic, 'ftrace.tsv'))
        ftext, fdata = ftrace_tables(ft) if ft else ('', {})
        nt = notes(res, prof, fdata, sc)
        if nt:
            md.append('### Missed targets: where the time goes\n\n' + nt +
                      '\n')
        if prof:
            md.append('## Where the time goes: phases of one spawn\n\n'
                      'Median of each phase, from the caller (icount: '
                      'instructions).  For fork, vfork and clone3 the first '
                      "phase ends when the call returns in the parent; for "
                      'posix_spawn and pidfd_spawn when the spawn call '
                      'returns; "reap" runs until waitpid()/waitid() '
                      'returned.\n\n')
            md.append(profile_table(prof) + '\n')
        if ftext:
            md.append('## Where the time goes in the kernel (function_graph)'
                      '\n\n'
                      'ftrace function_graph on a set of kernel functions '
                      '(bench/run.sh lists them; inlined static functions '
                      'cannot be traced), for 3 spawns of each case; '
                      'inclusive time per spawn, sleeping included (a '
                      'parent waiting in `waitid()` includes the child\'s '
                      'run).  Guest time under icount, with the cost of the '
                      'tracer on traced calls included: it inflates '
                      'functions with many traced callees.\n\n')
            md.append(ftext)
        pm = read_tsv(os.path.join(ic, 'parked_mem.tsv'))
        if pm:
            md.append('## Kernel memory of a parked process\n\n'
                      '1,000 processes at once; growth of /proc/meminfo '
                      'fields divided by 1,000 (median of the rounds).  '
                      'The empty processes include their builder pidfd; '
                      'the vfork children share their parent\'s mm (their '
                      'parent threads were started before the first '
                      'reading).\n\n')
            t, kinds = parked_table(pm)
            md.append(t + '\n')
            md.append(slab_table(os.path.join(ic, 'parked_mem.tsv'), kinds)
                      + '\n')
    if kvm:
        md.append('## Real time under KVM (1 thread)\n\n'
                  'The icount sweep, run without icount under KVM: '
                  'wall-clock microseconds of the guest on this host.\n\n')
        md.append(headline(kvm, {}, {}) + '\n')
        md.append(targets(kvm, ksc) + '\n')
    elif info.get('kvm'):
        md.append(f"## Real time under KVM\n\n{info['kvm']}.\n\n")
    if smp:
        md.append('## Threads (smp 2, no icount: TCG real time)\n\n')
        if smeta:
            cs = smeta.get('clocksource_end', '?')
            md.append(f"Guest: {smeta.get('cpus', '?')} CPU(s) online, "
                      f"clocksource {cs} at the end of the run, "
                      f"{smeta.get('reps', '?')} spawns per thread.  "
                      'Wall-clock time of an emulated machine: compare the '
                      'methods with each other, not with real hardware; '
                      'the spread between runs is larger than under '
                      'icount.\n\n')
            if 'jiffies' in cs:
                md.append('The guest clock fell back to jiffies (the TSC '
                          'watchdog marks the TSC unstable under TCG '
                          'without icount, and the kernel has no other '
                          'clocksource): single timings are whole ticks, '
                          'so the latency columns are not meaningful; the '
                          'throughput, over the whole run, is.\n\n')
            if smeta.get('cpus') == '1':
                md.append('**Only one CPU came up in this guest** although '
                          'QEMU was given `-smp 2`: the 4 threads share '
                          'one CPU, so this measures contention, not '
                          'parallel scaling.\n\n')
        md.append(threads_table(smp) + '\n')
    if do_plots:
        names = plots(res, smp, outdir)
        run_gnuplot(outdir, names)
        md.append('## Plots\n\n')
        for n in names:
            md.append(f'![{n}](plots/{n}.png)\n\n')
    write(os.path.join(outdir, 'results.md'), ''.join(md))


if __name__ == '__main__':
    main()
