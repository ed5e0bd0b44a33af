"""The benchmark behind bench/run (see docs/benchmarks.md): the ingest job by
four clients against the release mock, the ceiling, and the latency model;
then action latency (actions.py), overheads (overheads.py) and the scale run
(scale.py). --ingest, --actions, --overheads, --scale pick parts; none: all.

Every client runs as a subprocess; its CPU time and peak RSS come from
os.wait4's rusage (the client process only, not the mock). Requests are counted
by the mock (GET /_mock/stats, which is not counted itself)."""
import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import time
import urllib.request
from importlib.metadata import version

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RELEASE = os.environ.get('BENCH_BIN_DIR', os.path.join(ROOT, 'target', 'release'))
PYTHON = sys.executable
MAILBOX, FOLDER = 'bench@contoso.example', 'Inbox/Bench'
PASSWORD, TENANT, APP, SECRET = 'bench-password-0001', 'contoso', 'bench-app', 'bench-client-secret-0001'
CLIENTS = [  # (name, transport)
    ('ews-host', 'ews'), ('exchangelib', 'ews'), ('ews-host', 'graph'), ('msgraph-sdk', 'graph'),
]


class Mock:
    """The release mock with the benchmark mailbox; stopped on exit."""

    def __init__(self, work, n, seed, latency_ms=0, record=None, extra=()):
        args = [os.path.join(RELEASE, 'mock-exchange'), '--basic', f'{MAILBOX}:{PASSWORD}',
                '--oauth', f'{TENANT}:{APP}:{SECRET}', '--control',
                '--bench-emails', str(n), '--bench-seed', str(seed), '--latency-ms', str(latency_ms),
                *extra]
        if record:
            args += ['--record-requests', record]
        self.log = open(os.path.join(work, 'mock.log'), 'ab')
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=self.log)
        self.base = self.proc.stdout.readline().decode().strip()
        if not self.base.startswith('http://'):
            raise RuntimeError(f'the mock did not start: see {work}/mock.log')

    def stats(self, mailbox=MAILBOX):
        url = f'{self.base}/_mock/stats?folder={mailbox}:{FOLDER}'
        with urllib.request.urlopen(url) as r:
            return json.load(r)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.proc.terminate()
        self.proc.wait()
        self.log.close()


def part_main(doc, name, add_args, run, markdown):
    """main() of a part run alone (actions.py, overheads.py, scale.py): parses
    its options (add_args(parser)), runs it (run(args)), writes
    target/bench/NAME.json and prints its table."""
    p = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_args(p)
    p.add_argument('--out', default=os.path.join(ROOT, 'target/bench'))
    a = p.parse_args()
    result = run(a)
    os.makedirs(a.out, exist_ok=True)
    with open(os.path.join(a.out, f'{name}.json'), 'w') as f:
        json.dump(result, f, indent=1)
    print(markdown(result))


def run_measured(args, env, log):
    """Runs one process; returns (rusage, stdout)."""
    with open(log, 'ab') as err:
        proc = subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=err)
        out = proc.stdout.read()
        _, status, rusage = os.wait4(proc.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f'{args[0]} failed ({status}): see {log}')
    return rusage, out


COMPONENT = os.path.join(ROOT, 'target/components/ews_guest.wasm')
CACHE = os.path.join(ROOT, 'target/bench/cache')


def host_env(mock, transport, work, sink, mailbox=MAILBOX):
    env = dict(os.environ, EWS_COMPONENT=COMPONENT, EWS_CACHE_DIR=CACHE,
               EWS_STATE_PATH=os.path.join(work, 'state.sqlite3'), EWS_FOLDER=FOLDER,
               EWS_SINK='dir', EWS_SINK_DIR=sink, EWS_PRIMARY_SMTP_ADDRESS=mailbox)
    if transport == 'ews':
        env.update(EWS_URL=f'{mock.base}/EWS/Exchange.asmx', EWS_AUTH_METHOD='basic',
                   EWS_USERNAME=mailbox, EWS_PASSWORD=PASSWORD)
    else:
        env.update(EWS_API='graph', EWS_GRAPH_URL=f'{mock.base}/v1.0', EWS_AUTH_METHOD='oauth2',
                   EWS_TENANT=TENANT, EWS_CLIENT_ID=APP, EWS_CLIENT_SECRET=SECRET,
                   EWS_TOKEN_URL=mock.base + '/{tenant}/oauth2/v2.0/token')
    return env


def run_client(name, transport, mock, work):
    """The ingest job by one client; returns its measures."""
    sink = os.path.join(work, 'sink')
    os.makedirs(sink)
    log = os.path.join(work, 'client.log')
    usages, start = [], time.perf_counter()
    if name == 'ews-host':
        env = host_env(mock, transport, work, sink)
        # `daemon --once` runs steps while the component says there is more
        # (at most 10 in a row): run it again until the folder is drained.
        for _ in range(1000):
            usages.append(run_measured([os.path.join(RELEASE, 'ews-host'), 'daemon', '--once'], env, log)[0])
            if mock.stats()['folder']['unread'] == 0:
                break
    elif name == 'exchangelib':
        env = dict(os.environ, BENCH_PASSWORD=PASSWORD)
        usages.append(run_measured([PYTHON, os.path.join(ROOT, 'bench/clients/exchangelib_ingest.py'),
                                    f'{mock.base}/EWS/Exchange.asmx', MAILBOX, FOLDER, sink], env, log)[0])
    else:
        env = dict(os.environ, BENCH_SECRET=SECRET)
        usages.append(run_measured([PYTHON, os.path.join(ROOT, 'bench/clients/msgraph_ingest.py'),
                                    f'{mock.base}/v1.0', f'{mock.base}/{TENANT}/oauth2/v2.0/token',
                                    APP, MAILBOX, FOLDER, sink], env, log)[0])
    wall = time.perf_counter() - start
    stats = mock.stats()
    written = len([d for d in os.listdir(sink) if not d.startswith('.')])
    folder = stats['folder']
    return {
        'client': name, 'transport': transport, 'n': folder['messages'], 'wall_s': wall,
        'mb': folder['bytes'] / 1e6,
        'emails_per_s': folder['messages'] / wall, 'mb_per_s': folder['bytes'] / 1e6 / wall,
        'cpu_s': sum(u.ru_utime + u.ru_stime for u in usages),
        'cpu_user_s': sum(u.ru_utime for u in usages), 'cpu_sys_s': sum(u.ru_stime for u in usages),
        'max_rss_mb': max(u.ru_maxrss for u in usages) / 1024, 'processes': len(usages),
        'requests': stats['http_requests'], 'operations': stats['operations'],
        'requests_per_100': 100 * stats['http_requests'] / max(folder['messages'], 1),
        'unread_left': folder['unread'], 'written': written,
        'graph_bad_requests': stats['graph_bad_requests'], 'schema_failures': stats['schema_failures'],
    }


def run_ceiling(transport, n, seed, record, work):
    with Mock(work, n, seed) as mock:
        rusage, out = run_measured([PYTHON, os.path.join(ROOT, 'bench/replay.py'), mock.base, record],
                                   dict(os.environ), os.path.join(work, 'replay.log'))
        replay = json.loads(out)
        stats = mock.stats()
    bad = {k: v for k, v in replay['statuses'].items() if not k.startswith('2')}
    if bad or stats['folder']['unread']:
        raise RuntimeError(f'replay of {record} went wrong: {replay}, {stats["folder"]}')
    return {'transport': transport, 'n': n, 'wall_s': replay['wall_s'], 'requests': replay['requests'],
            'emails_per_s': n / replay['wall_s'], 'mb_per_s': stats['folder']['bytes'] / 1e6 / replay['wall_s'],
            'replayer_cpu_s': rusage.ru_utime + rusage.ru_stime}


def machine():
    cpu = next((line.split(':', 1)[1].strip() for line in open('/proc/cpuinfo')
                if line.startswith('model name')), platform.processor())
    mem = next(int(line.split()[1]) for line in open('/proc/meminfo') if line.startswith('MemTotal'))
    host_version = subprocess.run([os.path.join(RELEASE, 'ews-host'), '--version'],
                                  capture_output=True, text=True).stdout.strip()
    return {'nproc': os.cpu_count(), 'memory_gib': round(mem / 1024 / 1024, 1), 'cpu': cpu,
            'kernel': platform.release(), 'python': platform.python_version(),
            'versions': {'ews-host': host_version, 'exchangelib': version('exchangelib'),
                         'msgraph-sdk': version('msgraph-sdk'), 'httpx': version('httpx'),
                         'requests': version('requests')}}


def check_drained(run):
    if run['unread_left'] != 0 or run['written'] != run['n']:
        raise SystemExit(f"{run['client']} ({run['transport']}): {run['unread_left']} unread left, "
                         f"{run['written']} of {run['n']} emails written")
    if run['graph_bad_requests'] or run['schema_failures']:
        raise SystemExit(f"{run['client']} ({run['transport']}): the mock refused requests: {run}")


def label(r):
    return f"{r['client']} ({r['transport'].upper() if r['transport'] == 'ews' else 'Graph'})"


def markdown(results):
    m, lines = results['machine'], []
    lines += [f"Machine: {m['nproc']} cores ({m['cpu']}), {m['memory_gib']} GiB, Linux {m['kernel']}, "
              f"Python {m['python']}; {m['versions']['ews-host']}, exchangelib {m['versions']['exchangelib']}, "
              f"msgraph-sdk {m['versions']['msgraph-sdk']}. Seed {results['config']['seed']}.", '']
    if results.get('runs'):
        lines += ingest_markdown(results)
    import actions
    import overheads
    import scale
    for key, module in (('actions', actions), ('overheads', overheads), ('scale', scale)):
        if results.get(key):
            lines += ['', module.markdown(results[key]).rstrip('\n')]
    return '\n'.join(lines) + '\n'


def ingest_markdown(results):
    lines = []
    ceilings = {(c['transport'], c['n']): c for c in results['ceiling']}
    n = results['config']['n']
    lines += [f'### Ingest of {n} emails (no added latency)', '',
              '| client | wall s | emails/s | MB/s | % of ceiling | CPU s (user+sys) | requests | per 100 emails | peak RSS MB |',
              '|---|---:|---:|---:|---:|---:|---:|---:|---:|']
    for r in results['runs']:
        if r['n'] != n or r['latency_ms']:
            continue
        c = ceilings.get((r['transport'], n))
        frac = f"{100 * r['emails_per_s'] / c['emails_per_s']:.0f}%" if c else '-'
        lines.append(f"| {label(r)} | {r['wall_s']:.1f} | {r['emails_per_s']:.1f} | {r['mb_per_s']:.1f} | {frac} | "
                     f"{r['cpu_s']:.1f} | {r['requests']} | {r['requests_per_100']:.1f} | {r['max_rss_mb']:.0f} |")
    if results['ceiling']:
        lines += ['', '### Ceiling (ews-host\'s requests replayed, no parsing)', '',
                  '| transport | emails | requests | wall s | emails/s | MB/s |', '|---|---:|---:|---:|---:|---:|']
        for c in results['ceiling']:
            lines.append(f"| {c['transport'].upper() if c['transport'] == 'ews' else 'Graph'} | {c['n']} | "
                         f"{c['requests']} | {c['wall_s']:.2f} | {c['emails_per_s']:.0f} | {c['mb_per_s']:.0f} |")
    sizes = sorted({r['n'] for r in results['runs'] if not r['latency_ms']})
    if len(sizes) > 1:
        lines += ['', '### Throughput by N (emails/s)', '',
                  '| client | ' + ' | '.join(str(s) for s in sizes) + ' |', '|---|' + '---:|' * len(sizes)]
        for name, transport in CLIENTS:
            row = {r['n']: r for r in results['runs']
                   if r['client'] == name and r['transport'] == transport and not r['latency_ms']}
            lines.append(f'| {label({"client": name, "transport": transport})} | ' +
                         ' | '.join(f"{row[s]['emails_per_s']:.1f}" if s in row else '-' for s in sizes) + ' |')
    lat = [r for r in results['runs'] if r['latency_ms']]
    if lat:
        lines += ['', f"### With {lat[0]['latency_ms']} ms per request ({lat[0]['n']} emails)", '',
                  '| client | wall s | wall s per 1,000 emails | requests | per 100 emails |', '|---|---:|---:|---:|---:|']
        for r in lat:
            lines.append(f"| {label(r)} | {r['wall_s']:.1f} | {1000 * r['wall_s'] / r['n']:.1f} | "
                         f"{r['requests']} | {r['requests_per_100']:.1f} |")
    return lines


def charts(results, out):
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    matplotlib.rcParams['svg.hashsalt'] = 'bench'
    sizes = sorted({r['n'] for r in results['runs'] if not r['latency_ms']})
    fig, ax = plt.subplots(figsize=(7, 4.2))
    for name, transport in CLIENTS:
        pts = sorted((r['n'], r['emails_per_s']) for r in results['runs']
                     if r['client'] == name and r['transport'] == transport and not r['latency_ms'])
        if pts:
            ax.plot(*zip(*pts), marker='o', label=label({'client': name, 'transport': transport}))
    for transport in ('ews', 'graph'):
        pts = sorted((c['n'], c['emails_per_s']) for c in results['ceiling'] if c['transport'] == transport)
        if pts:
            ax.plot(*zip(*pts), linestyle='--', label=f"ceiling ({'EWS' if transport == 'ews' else 'Graph'})")
    ax.set_xscale('log')
    ax.set_yscale('log')
    ax.set_xticks(sizes, [str(s) for s in sizes])
    ax.set_xlabel('emails in the folder (N)')
    ax.set_ylabel('emails/s (log)')
    ax.set_title('Ingest throughput by N (no added latency)')
    ax.grid(True, which='both', alpha=.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(os.path.join(out, 'throughput.svg'), metadata={'Date': None})
    plt.close(fig)
    lat = [r for r in results['runs'] if r['latency_ms']]
    if lat:
        fig, ax = plt.subplots(figsize=(7, 3.6))
        names = [label(r) for r in lat]
        per_k = [1000 * r['wall_s'] / r['n'] for r in lat]
        bars = ax.barh(names, per_k)
        ax.bar_label(bars, fmt='%.1f s', fontsize=8)
        ax.set_xscale('log')
        ax.invert_yaxis()
        ax.set_xlabel('wall seconds per 1,000 emails (log)')
        ax.set_title(f"With {lat[0]['latency_ms']} ms per HTTP request")
        fig.tight_layout()
        fig.savefig(os.path.join(out, 'latency.svg'), metadata={'Date': None})
        plt.close(fig)


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument('--n', type=int, default=1000, help='emails of the main ingest table (default 1000)')
    p.add_argument('--sizes', default='250,500,1000', help='N of the throughput chart, comma-separated')
    p.add_argument('--seed', type=int, default=1)
    p.add_argument('--latency-ms', type=int, default=150, help='0: no latency run')
    p.add_argument('--latency-n', type=int, default=250, help='emails of the latency run')
    p.add_argument('--no-ceiling', action='store_true')
    p.add_argument('--smoke', action='store_true',
                   help='every part with tiny counts (ingest N=30, no latency run); asserts each produced numbers')
    # The parts: none named, all of them.
    p.add_argument('--ingest', action='store_true', help='the ingest job, ceiling and latency model')
    p.add_argument('--actions', action='store_true', help='action latency (bench/actions.py)')
    p.add_argument('--overheads', action='store_true', help='start-up, instantiation, memory (bench/overheads.py)')
    p.add_argument('--scale', action='store_true', help='many mailboxes one after the other (bench/scale.py)')
    p.add_argument('--runs', type=int, default=50, help='--actions: timed calls per action and client')
    p.add_argument('--graph', action='store_true', help="--actions: also ews-host over Graph")
    p.add_argument('--calls', type=int, default=1000, help='--overheads: instantiations timed')
    p.add_argument('--starts', type=int, default=20, help='--overheads: process starts timed')
    p.add_argument('--cold-starts', type=int, default=3, help='--overheads: describe runs with an empty cache')
    p.add_argument('--mailboxes', type=int, default=200, help='--scale: mailboxes')
    p.add_argument('--per-mailbox', type=int, default=100, help='--scale: emails per mailbox')
    p.add_argument('--out', default=os.path.join(ROOT, 'target/bench'))
    a = p.parse_args()
    if a.smoke:
        a.n, a.sizes, a.latency_ms = 30, '30', 0
        a.runs, a.calls, a.starts, a.cold_starts, a.mailboxes, a.per_mailbox = 3, 20, 3, 0, 3, 5
    parts = [x for x in ('ingest', 'actions', 'overheads', 'scale') if getattr(a, x)] or \
        ['ingest', 'actions', 'overheads', 'scale']
    sizes = sorted({int(s) for s in a.sizes.split(',') if s} | {a.n})
    os.makedirs(a.out, exist_ok=True)
    runs_dir = os.path.join(a.out, 'runs')
    shutil.rmtree(runs_dir, ignore_errors=True)
    # Compile the component into the cache once, outside every measure.
    subprocess.run([os.path.join(RELEASE, 'ews-host'), 'describe'], check=True, stdout=subprocess.DEVNULL,
                   env=dict(os.environ, EWS_CACHE_DIR=os.path.join(ROOT, 'target/bench/cache'),
                            EWS_COMPONENT=os.path.join(ROOT, 'target/components/ews_guest.wasm')))
    results = {'machine': machine(), 'config': {'n': a.n, 'sizes': sizes, 'seed': a.seed,
                                                'latency_ms': a.latency_ms, 'latency_n': a.latency_n},
               'runs': [], 'ceiling': []}
    previous = os.path.join(a.out, 'results.json')
    if 'ingest' not in parts and os.path.exists(previous):
        # A part alone replaces its own figures in the last run's results.
        with open(previous) as f:
            results = dict(json.load(f), machine=results['machine'])
    plan = [(n, 0) for n in sizes] + ([(a.latency_n, a.latency_ms)] if a.latency_ms else [])
    if 'ingest' not in parts:
        plan = []
    for n, latency in plan:
        for name, transport in CLIENTS:
            work = os.path.join(runs_dir, f'{n}-{latency}ms-{name}-{transport}')
            os.makedirs(work)
            record = os.path.join(work, 'requests.jsonl') if name == 'ews-host' and not latency else None
            with Mock(work, n, a.seed, latency, record) as mock:
                run = run_client(name, transport, mock, work)
            run['latency_ms'] = latency
            check_drained(run)
            results['runs'].append(run)
            print(f"{label(run):24} N={n:5} {latency:3} ms: {run['wall_s']:7.2f} s, {run['emails_per_s']:7.1f} emails/s, "
                  f"{run['cpu_s']:6.2f} CPU s, {run['requests']:5} requests, {run['max_rss_mb']:5.0f} MB RSS",
                  flush=True)
            if record and not a.no_ceiling:
                ceiling = run_ceiling(transport, n, a.seed, record, work)
                results['ceiling'].append(ceiling)
                print(f"{'ceiling (' + transport + ')':24} N={n:5}: {ceiling['wall_s']:7.2f} s, "
                      f"{ceiling['emails_per_s']:7.1f} emails/s", flush=True)
            shutil.rmtree(os.path.join(work, 'sink'))
    smoke = []
    if 'actions' in parts:
        import actions
        results['actions'] = actions.run(a.runs, a.graph, a.seed)
        smoke += [(f"actions: {r['action']} by {r['client']} ({r['transport']})", r['median_ms'] > 0)
                  for r in results['actions']['rows']]
    if 'overheads' in parts:
        import overheads
        o = results['overheads'] = overheads.run(a.calls, a.starts, a.cold_starts, a.seed)
        smoke += [('overheads: component size', o['component_bytes'] > 0),
                  ('overheads: cache load', o['cache_load_ms'] > 0),
                  ('overheads: instantiation', o['instantiate_us']['p50'] > 0),
                  ('overheads: cached start', o['version_cached']['median_ms'] > 0),
                  ('overheads: memory', all(x['guest_peak_mib'] > 0 and x['host_peak_rss_mib'] > 0
                                            for x in o['attachment_25mib']))]
    if 'scale' in parts:
        import scale
        s = results['scale'] = scale.run(a.mailboxes, a.per_mailbox, a.seed)
        smoke += [('scale: CPU and RSS', s['cpu_s'] > 0 and s['max_rss_mb']['max'] > 0
                   and s['emails'] == a.mailboxes * a.per_mailbox)]
    with open(os.path.join(a.out, 'results.json'), 'w') as f:
        json.dump(results, f, indent=1)
    md = markdown(results)
    with open(os.path.join(a.out, 'results.md'), 'w') as f:
        f.write(md)
    if not a.smoke and 'ingest' in parts:
        charts(results, a.out)
    print(md)
    if a.smoke:
        failed = [name for name, ok in smoke if not ok]
        print(f"smoke: {len(results['runs']) + len(smoke) - len(failed)} passed, {len(failed)} failed")
        if failed:
            raise SystemExit('smoke: no figures from ' + ', '.join(failed))


if __name__ == '__main__':
    main()
