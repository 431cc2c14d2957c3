#!/usr/bin/env python3
#
# check.py -- compare a chaos run's ledger with its completions and Redis.
#
# Copyright (c) 2026 The tq authors.  MIT licence; see COPYING.
#
# The producer's ledger holds every id that enqueue acknowledged; the
# workers' done.* files every completion their handlers recorded.  Each
# acknowledged id must have been completed at least once, or sit in the
# queue's dead set with a reason (an error message).  An id that is in
# neither is pending when tq inspect still finds it in a state (the run
# did not drain), else lost.  Completions beyond the first of an id are
# duplicates: at-least-once allows them, and they are counted (of the
# acknowledged ids; completions of other ids are only counted, as
# unacked_done: tasks whose enqueue outcome was never known).  Last, tq
# fsck must find the queue clean.
#
# usage: check.py TQ QUEUE LEDGER DONE_DIR
#
# TQ is the tq command (its environment names Redis).  Prints figures as
# NAME=VALUE on one line (for the test's eval), and details of lost,
# pending and reasonless dead ids on stderr.  Exits 0 when nothing is
# lost or pending, every dead id has a reason and fsck is clean, else 1.

import glob
import json
import os
import subprocess
import sys


def tq(args):
    p = subprocess.run(TQ + args, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True)
    return p.returncode, p.stdout, p.stderr


def main():
    global TQ
    if len(sys.argv) != 5:
        sys.stderr.write('usage: check.py TQ QUEUE LEDGER DONE_DIR\n')
        sys.exit(2)
    TQ = sys.argv[1].split()
    queue, ledger_path, done_dir = sys.argv[2:]

    with open(ledger_path) as f:
        ledger = [l.strip() for l in f if l.strip()]
    acked = set(ledger)
    done = {}
    for path in glob.glob(os.path.join(done_dir, 'done.*')):
        with open(path) as f:
            for l in f:
                i = l.strip()
                if i:
                    done[i] = done.get(i, 0) + 1

    rc, out, err = tq(['--json', 'dead', 'ls', '--limit', '100000', queue])
    if rc != 0:
        sys.stderr.write('check: tq dead ls: %s' % err)
        sys.exit(1)
    dead = {d['id']: d.get('error') for d in json.loads(out)['dead']}

    missing = [i for i in ledger if i not in done and i not in dead]
    lost, pending = [], []
    for i in missing:
        rc, out, _ = tq(['--json', 'inspect', '-q', queue, i])
        if rc == 0:
            pending.append((i, json.loads(out).get('state')))
        else:
            lost.append(i)
    noreason = [i for i in acked & set(dead) if not dead[i]]
    mine = [n for i, n in done.items() if i in acked]
    extra = sum(n - 1 for n in mine if n > 1)
    dup_ids = sum(1 for n in mine if n > 1)
    unacked = [i for i in done if i not in acked]

    rc, out, err = tq(['--json', 'fsck', queue])
    clean = rc == 0 and json.loads(out).get('clean') is True
    if not clean:
        sys.stderr.write('check: tq fsck: %s%s' % (out, err))

    for i in lost[:20]:
        sys.stderr.write('check: LOST %s (acknowledged, never completed, '
                         'not dead, in no state)\n' % i)
    for i, s in pending[:20]:
        sys.stderr.write('check: pending %s (%s)\n' % (i, s))
    for i in noreason[:20]:
        sys.stderr.write('check: dead without a reason: %s\n' % i)

    print('acked=%d completed=%d completions=%d duplicates=%d dup_ids=%d '
          'dead=%d dead_noreason=%d pending=%d lost=%d unacked_done=%d '
          'fsck=%s' % (
              len(acked), len(acked & set(done)), sum(mine), extra,
              dup_ids, len(acked & set(dead)), len(noreason), len(pending),
              len(lost), len(unacked), 'clean' if clean else 'DIRTY'))
    ok = not lost and not pending and not noreason and clean
    sys.exit(0 if ok else 1)


if __name__ == '__main__':
    main()
