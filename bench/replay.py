"""The ceiling: replays requests the mock recorded (--record-requests), in order,
on one keep-alive connection, reading and discarding every answer. No parsing,
no files: what is left is the mock's own cost on this machine.

A token request is replayed too, and the Bearer token it answers replaces the
recorded one in the requests after it (the recorded token belonged to the mock
that issued it). Prints {"requests", "wall_s", "statuses"} as JSON."""
import base64
import http.client
import json
import re
import sys
import time
from urllib.parse import urlparse

SKIP = {'host', 'content-length', 'connection', 'transfer-encoding', 'keep-alive'}


def main():
    base, path = sys.argv[1], sys.argv[2]
    requests = [json.loads(line) for line in open(path)]
    bodies = [base64.b64decode(r['body_b64']) for r in requests]
    url = urlparse(base)
    conn = http.client.HTTPConnection(url.hostname, url.port)
    token, statuses = None, {}
    start = time.perf_counter()
    for r, body in zip(requests, bodies):
        headers = {k: v for k, v in r['headers'] if k.lower() not in SKIP}
        if token and headers.get('authorization', '').startswith('Bearer '):
            headers['authorization'] = 'Bearer ' + token
        conn.request(r['method'], r['target'], body=body or None, headers=headers)
        answer = conn.getresponse()
        data = answer.read()
        statuses[answer.status] = statuses.get(answer.status, 0) + 1
        if r['target'].endswith('/oauth2/v2.0/token') and answer.status == 200:
            token = re.search(rb'"access_token"\s*:\s*"([^"]+)"', data).group(1).decode()
    wall = time.perf_counter() - start
    print(json.dumps({'requests': len(requests), 'wall_s': wall, 'statuses': statuses}))


if __name__ == '__main__':
    main()
