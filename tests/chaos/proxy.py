#!/usr/bin/env python3
#
# proxy.py -- a fault-injecting TCP proxy on loopback, for the chaos suite.
#
# Copyright (c) 2026 The tq authors.  MIT licence; see COPYING.
#
# Clients connect to 127.0.0.1:PORT (PORT chosen by the kernel and
# written to PORTFILE); each connection is forwarded to Redis's unix
# socket UPSTREAM.  What the proxy does to the traffic is read from the
# control file CTL whenever it changes (write a new file and rename it
# over CTL), one command on its first line:
#
#   pass            forward everything (the default)
#   blackhole       forward nothing, either way, and accept connections
#                   without answering: a network partition.  Bytes sent
#                   meanwhile stay queued and are delivered after "pass",
#                   as TCP would once the partition heals.
#   cut PATTERN     the next request containing PATTERN is forwarded,
#                   then the connection is closed as soon as its reply
#                   starts (the reply is dropped): the command ran, the
#                   client never hears it.  Once only; then "pass".
#   cutevery N      the same, for every Nth request of any connection.
#
# Each cut is logged to stderr ("proxy: cut ...") and counted in
# PORTFILE.cuts.  Only loopback is ever used: the listening socket is
# bound to 127.0.0.1 and the upstream is a unix socket.
#
# usage: proxy.py UPSTREAM_SOCKET PORTFILE CTL

import os
import selectors
import socket
import sys
import time

TAIL = 256	# bytes kept to match a PATTERN split across reads


class Conn:
    def __init__(self, client, upstream):
        self.client = client
        self.upstream = upstream
        self.tail = b''
        self.doomed = False	# cut: close at the first reply byte
        self.to_up = b''	# pending writes
        self.to_client = b''


def main():
    if len(sys.argv) != 4:
        sys.stderr.write('usage: proxy.py UPSTREAM_SOCKET PORTFILE CTL\n')
        sys.exit(2)
    upstream_path, portfile, ctl = sys.argv[1:]
    lsock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lsock.bind(('127.0.0.1', 0))
    lsock.listen(128)
    lsock.setblocking(False)
    with open(portfile + '.tmp', 'w') as f:
        f.write('%d\n' % lsock.getsockname()[1])
    os.rename(portfile + '.tmp', portfile)

    sel = selectors.DefaultSelector()
    conns = {}		# socket -> Conn
    mode, arg = 'pass', None
    ctl_mtime = None
    requests = 0
    cuts = 0

    def write_cuts():
        with open(portfile + '.cuts.tmp', 'w') as f:
            f.write('%d\n' % cuts)
        os.rename(portfile + '.cuts.tmp', portfile + '.cuts')

    def close(c):
        for s in (c.client, c.upstream):
            conns.pop(s, None)
            try:
                sel.unregister(s)
            except (KeyError, ValueError):
                pass
            s.close()

    def interest(c):
        # While blackholed nothing is read, so the kernel queues it.
        if mode == 'blackhole':
            ev_c = ev_u = 0
        else:
            ev_c = selectors.EVENT_READ | (selectors.EVENT_WRITE
                                           if c.to_client else 0)
            ev_u = selectors.EVENT_READ | (selectors.EVENT_WRITE
                                           if c.to_up else 0)
            if c.doomed:
                ev_c &= ~selectors.EVENT_READ
        for s, ev in ((c.client, ev_c), (c.upstream, ev_u)):
            try:
                if ev:
                    try:
                        sel.modify(s, ev, c)
                    except KeyError:
                        sel.register(s, ev, c)
                else:
                    sel.unregister(s)
            except (KeyError, ValueError):
                pass

    write_cuts()
    sel.register(lsock, selectors.EVENT_READ, None)
    while True:
        try:
            st = os.stat(ctl)
            if st.st_mtime_ns != ctl_mtime:
                ctl_mtime = st.st_mtime_ns
                with open(ctl) as f:
                    line = (f.readline().strip() or 'pass').split(None, 1)
                mode = line[0]
                arg = line[1] if len(line) > 1 else None
                sys.stderr.write('proxy: %s %s\n' % (mode, arg or ''))
                sys.stderr.flush()
                requests = 0
                for c in set(conns.values()):
                    interest(c)
        except FileNotFoundError:
            pass
        for key, ev in sel.select(timeout=0.02):
            if key.data is None:
                try:
                    cs, _ = lsock.accept()
                except BlockingIOError:
                    continue
                us = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                try:
                    us.connect(upstream_path)
                except OSError:
                    cs.close()
                    us.close()
                    continue
                cs.setblocking(False)
                us.setblocking(False)
                c = Conn(cs, us)
                conns[cs] = c
                conns[us] = c
                interest(c)
                continue
            c = key.data
            s = key.fileobj
            if s not in conns:
                continue
            if ev & selectors.EVENT_WRITE:
                buf = c.to_up if s is c.upstream else c.to_client
                try:
                    n = s.send(buf)
                except (BlockingIOError, InterruptedError):
                    n = 0
                except OSError:
                    close(c)
                    continue
                if s is c.upstream:
                    c.to_up = c.to_up[n:]
                else:
                    c.to_client = c.to_client[n:]
                interest(c)
            if not ev & selectors.EVENT_READ:
                continue
            try:
                data = s.recv(65536)
            except (BlockingIOError, InterruptedError):
                continue
            except OSError:
                data = b''
            if not data:
                # Flush what the other way still holds, then go.
                if s is c.client and c.to_up:
                    try:
                        c.upstream.setblocking(True)
                        c.upstream.sendall(c.to_up)
                    except OSError:
                        pass
                close(c)
                continue
            if s is c.upstream:
                if c.doomed:
                    cuts += 1
                    write_cuts()
                    sys.stderr.write('proxy: cut (reply of %d bytes '
                                     'dropped)\n' % len(data))
                    sys.stderr.flush()
                    close(c)
                    continue
                c.to_client += data
            else:
                requests += 1
                hit = False
                if mode == 'cut' and arg is not None and \
                        arg.encode() in c.tail + data:
                    hit = True
                    mode, arg = 'pass', None
                elif mode == 'cutevery' and arg is not None and \
                        requests % int(arg) == 0:
                    hit = True
                c.tail = (c.tail + data)[-TAIL:]
                c.to_up += data
                if hit:
                    c.doomed = True
            interest(c)


if __name__ == '__main__':
    try:
        main()
    except KeyboardInterrupt:
        pass
