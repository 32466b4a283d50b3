#!/usr/bin/env python3
"""bench/kannel_client.py - the peer of bench/kannel.sh: Kannel without
Stafeta.

  send HOST:PORT N CONC   N sendsms requests over CONC keep-alive
                          connections (one request in flight on each);
                          prints how many were accepted (202/200)
  serve HOST:PORT N       a get-url target that answers 200 at once and
                          exits after N requests
"""
import http.client
import http.server
import sys
import threading
import urllib.parse


def send(hostport, n, conc):
    host, port = hostport.rsplit(":", 1)
    ok = [0] * conc

    def worker(k):
        c = http.client.HTTPConnection(host, int(port), timeout=30)
        for i in range(k, n, conc):
            q = urllib.parse.urlencode({
                "username": "stafeta", "password": "pw",
                "to": "+4075%07d" % i, "text": "Mesaj de test %d" % i,
                "charset": "UTF-8", "coding": "0"})
            try:
                c.request("GET", "/cgi-bin/sendsms?" + q)
                r = c.getresponse()
                r.read()
                if r.status in (200, 202):
                    ok[k] += 1
            except (OSError, http.client.HTTPException):
                c.close()
                c = http.client.HTTPConnection(host, int(port), timeout=30)
        c.close()

    threads = [threading.Thread(target=worker, args=(k,))
               for k in range(conc)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print(sum(ok))


def serve(hostport, n):
    host, port = hostport.rsplit(":", 1)
    count = [0]

    class H(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()
            count[0] += 1
            if count[0] >= n:
                threading.Thread(target=srv.shutdown).start()

        def log_message(self, *args):
            pass

    srv = http.server.ThreadingHTTPServer((host, int(port)), H)
    srv.serve_forever()
    print(count[0])


if __name__ == "__main__":
    if sys.argv[1] == "send":
        send(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
    else:
        serve(sys.argv[2], int(sys.argv[3]))
