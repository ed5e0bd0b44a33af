"""Action latency (docs/benchmarks.md, "Actions"): get-out-of-office,
search-emails-extended over a 1,000-item folder, get-attachments of a 25 MiB
attachment and send-email, each timed --runs times (after one warm-up) by:

- ews-host invoke: one process per call (start-up, the compiled component
  loaded from the on-disk cache, one instance, the call), wall time of the process;
- ews-host batch: one process, one request line per call on stdin, from the
  line written to its answer read (the component loaded once, an instance per call);
- exchangelib: bench/clients/exchangelib_actions.py, each call timed in-process.

All over EWS against one mock seeded with `--bench-actions`; `--graph` adds
ews-host's invoke and batch over Graph. Runnable alone:
    BENCH_BIN_DIR=target/debug target/bench-venv/bin/python bench/actions.py --runs 5"""
import json
import os
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench import part_main, MAILBOX, PASSWORD, PYTHON, RELEASE, ROOT, Mock, host_env  # noqa: E402

ACTIONS = ['get-out-of-office', 'search-emails-extended', 'get-attachments', 'send-email']
# The same search for every client: subject contains "invoice" (every tenth of
# the 1,000 emails: 100 results), a page of up to 1,000.
SEARCH_FOLDER, SEARCH_WORD, SEARCH_LIMIT, SEARCH_HITS = 'Inbox/Search', 'invoice', 1000, 100
ATTACHMENT_FOLDER, ATTACHMENT_BYTES = 'Inbox/Attachment', 25 * 1024 * 1024
RECIPIENT = 'reporter@contoso.example'


def summary(samples_s):
    """Median, p99 (nearest rank) and mean of samples in seconds, as ms."""
    xs = sorted(samples_s)
    pick = lambda q: xs[min(len(xs) - 1, max(0, round(q * (len(xs) - 1))))]  # noqa: E731
    return {'n': len(xs), 'median_ms': 1000 * pick(.5), 'p99_ms': 1000 * pick(.99),
            'mean_ms': 1000 * sum(xs) / len(xs), 'min_ms': 1000 * xs[0], 'max_ms': 1000 * xs[-1]}


def params(action, item_id):
    return {
        'get-out-of-office': {'mailbox': MAILBOX},
        'search-emails-extended': {'folder': SEARCH_FOLDER, 'subject': SEARCH_WORD, 'limit': SEARCH_LIMIT},
        'get-attachments': {'item_id': item_id},
        # SendOnly, as exchangelib's Message.send(): nothing piles up in Sent Items.
        'send-email': {'to': [RECIPIENT], 'subject': 'Benchmark notification',
                       'body_text': 'Thanks for your report: we removed the email.', 'save_copy': False},
    }[action]


def check(action, answer):
    if not answer.get('ok'):
        raise RuntimeError(f'{action} failed: {answer}')
    out = answer['output']
    if action == 'search-emails-extended' and len(out['emails']) != SEARCH_HITS:
        raise RuntimeError(f"search found {len(out['emails'])} emails, expected {SEARCH_HITS}")
    if action == 'get-attachments' and [f['size'] for f in answer['files']] != [ATTACHMENT_BYTES]:
        raise RuntimeError(f"get-attachments returned {answer['files']}")


def host(env, *args, **kw):
    return subprocess.run([os.path.join(RELEASE, 'ews-host'), *args], env=env, capture_output=True, **kw)


def attachment_item(env):
    p = host(env, 'invoke', 'search-emails-extended', '--params',
             json.dumps({'folder': ATTACHMENT_FOLDER, 'limit': 1}), text=True)
    answer = json.loads(p.stdout or '{}')
    if not answer.get('ok') or not answer['output']['emails']:
        raise RuntimeError(f'finding the attachment email failed: {p.stdout} {p.stderr[-2000:]}')
    return answer['output']['emails'][0]['item_id']


def time_invoke(env, action, item_id, runs, out):
    """`ews-host invoke` per call: wall time of each process."""
    samples = []
    for i in range(runs + 1):
        shutil.rmtree(out, ignore_errors=True)
        start = time.perf_counter()
        p = host(env, 'invoke', action, '--params', json.dumps(params(action, item_id)), '--out', out)
        wall = time.perf_counter() - start
        answer = json.loads(p.stdout or b'{}')
        if not answer:
            raise RuntimeError(f'ews-host invoke {action}: exit {p.returncode}: {p.stderr[-2000:]!r}')
        check(action, answer)
        if i:  # the first is the warm-up
            samples.append(wall)
    shutil.rmtree(out, ignore_errors=True)
    return samples


def time_batch(env, action, item_id, runs, out):
    """`ews-host batch`, one process: from a request line written to its answer line."""
    shutil.rmtree(out, ignore_errors=True)
    proc = subprocess.Popen([os.path.join(RELEASE, 'ews-host'), 'batch', '--out', out], env=env,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                            text=True, bufsize=1)
    line = json.dumps({'action': action, 'params': params(action, item_id)}) + '\n'
    samples = []
    try:
        for i in range(runs + 1):
            start = time.perf_counter()
            proc.stdin.write(line)
            proc.stdin.flush()
            answer = proc.stdout.readline()
            wall = time.perf_counter() - start
            if not answer:
                raise RuntimeError(f'ews-host batch ended early (exit {proc.poll()})')
            check(action, json.loads(answer))
            shutil.rmtree(os.path.join(out, str(i + 1)), ignore_errors=True)
            if i:
                samples.append(wall)
    finally:
        proc.stdin.close()
        proc.wait()
    shutil.rmtree(out, ignore_errors=True)
    return samples


def time_exchangelib(mock, runs, work):
    args = [PYTHON, os.path.join(ROOT, 'bench/clients/exchangelib_actions.py'), f'{mock.base}/EWS/Exchange.asmx',
            MAILBOX, str(runs), os.path.join(work, 'exchangelib-out')]
    with open(os.path.join(work, 'exchangelib.log'), 'ab') as err:
        p = subprocess.run(args, env=dict(os.environ, BENCH_PASSWORD=PASSWORD), stdout=subprocess.PIPE, stderr=err)
    if p.returncode:
        raise RuntimeError(f'exchangelib_actions.py failed: see {work}/exchangelib.log')
    return json.loads(p.stdout)


def run(runs=50, graph=False, seed=1, work=None):
    """Returns {'runs', 'rows': [{action, client, transport, n, median_ms, p99_ms, ...}]}."""
    work = work or os.path.join(ROOT, 'target/bench/runs/actions')
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    rows = []
    with Mock(work, 0, seed, extra=['--bench-actions']) as mock:
        transports = ['ews'] + (['graph'] if graph else [])
        for transport in transports:
            env = host_env(mock, transport, work, os.path.join(work, 'sink'))
            item_id = attachment_item(env)
            for action in ACTIONS:
                for mode, timer in (('invoke', time_invoke), ('batch', time_batch)):
                    samples = timer(env, action, item_id, runs, os.path.join(work, 'out'))
                    rows.append({'action': action, 'client': f'ews-host {mode}', 'transport': transport,
                                 **summary(samples)})
                    print(f"{action:24} ews-host {mode:6} ({transport}): median {rows[-1]['median_ms']:8.1f} ms, "
                          f"p99 {rows[-1]['p99_ms']:8.1f} ms", flush=True)
        for action, samples in time_exchangelib(mock, runs, work).items():
            rows.append({'action': action, 'client': 'exchangelib', 'transport': 'ews', **summary(samples)})
            print(f"{action:24} exchangelib     (ews): median {rows[-1]['median_ms']:8.1f} ms, "
                  f"p99 {rows[-1]['p99_ms']:8.1f} ms", flush=True)
        stats = mock.stats()
    if stats['schema_failures'] or stats['graph_bad_requests']:
        raise RuntimeError(f'the mock refused requests: {stats}')
    return {'runs': runs, 'rows': rows}


def markdown(actions):
    cols = []
    for r in actions['rows']:
        if (r['client'], r['transport']) not in cols:
            cols.append((r['client'], r['transport']))
    head = [f"{c} ({'EWS' if t == 'ews' else 'Graph'})" for c, t in cols]
    lines = [f"### Actions: median / p99 ms over {actions['runs']} calls", '',
             '| action | ' + ' | '.join(head) + ' |', '|---|' + '---:|' * len(cols)]
    by = {(r['action'], r['client'], r['transport']): r for r in actions['rows']}
    for action in ACTIONS:
        cells = [by.get((action, c, t)) for c, t in cols]
        lines.append(f'| {action} | ' + ' | '.join(
            f"{r['median_ms']:.1f} / {r['p99_ms']:.1f}" if r else '-' for r in cells) + ' |')
    return '\n'.join(lines) + '\n'


def add_args(p):
    p.add_argument('--runs', type=int, default=50, help='timed calls per action and client (default 50)')
    p.add_argument('--graph', action='store_true', help="also ews-host's Graph transport")


def main():
    part_main(__doc__, 'actions', add_args, lambda a: run(a.runs, a.graph), markdown)


if __name__ == '__main__':
    main()
