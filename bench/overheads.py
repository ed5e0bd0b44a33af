"""Overheads (docs/benchmarks.md, "Overheads"): what ews-host pays around a call.

- the component's size on disk;
- `ews-host bench --calls N` (hidden): cold compile, load from the on-disk
  cache, instantiation per call (and instantiation + `describe`);
- `ews-host describe` end to end with an empty cache (compile included) and
  `ews-host --version` / `ews-host describe` with the cache warm: median of --starts;
- get-attachments of the 25 MiB attachment (`invoke`, EWS and Graph): the
  guest's linear-memory high-water mark (logged at debug level) and the host
  process's peak RSS (os.wait4).
Runnable alone: BENCH_BIN_DIR=target/debug target/bench-venv/bin/python bench/overheads.py --calls 20"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from actions import ATTACHMENT_BYTES, attachment_item, summary  # noqa: E402
from bench import part_main, CACHE, COMPONENT, RELEASE, ROOT, Mock, host_env  # noqa: E402

PEAK = re.compile(r"linear memory peaked at ([0-9.]+) MiB")
HOST = os.path.join(RELEASE, 'ews-host')


def wall(args, env, times):
    samples = []
    for _ in range(times):
        start = time.perf_counter()
        subprocess.run(args, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        samples.append(time.perf_counter() - start)
    return summary(samples)


def attachment_memory(mock, transport, work):
    """One `invoke get-attachments` of the 25 MiB attachment with EWS_LOG=debug."""
    env = host_env(mock, transport, work, os.path.join(work, 'sink'))
    item_id = attachment_item(env)
    out = os.path.join(work, 'out')
    shutil.rmtree(out, ignore_errors=True)
    env['EWS_LOG'] = 'debug'
    with tempfile.TemporaryFile() as err:
        proc = subprocess.Popen([HOST, 'invoke', 'get-attachments', '--params', json.dumps({'item_id': item_id}),
                                 '--out', out], env=env, stdout=subprocess.PIPE, stderr=err)
        answer = json.loads(proc.stdout.read())
        _, status, rusage = os.wait4(proc.pid, 0)
        err.seek(0)
        log = err.read().decode(errors='replace')
    shutil.rmtree(out, ignore_errors=True)
    if os.waitstatus_to_exitcode(status) or [f['size'] for f in answer.get('files', [])] != [ATTACHMENT_BYTES]:
        raise RuntimeError(f'get-attachments ({transport}) failed: {answer} {log[-2000:]}')
    peaks = [float(m) for m in PEAK.findall(log)]
    if not peaks:
        raise RuntimeError(f'no "linear memory peaked" line at EWS_LOG=debug: {log[-2000:]}')
    return {'transport': transport, 'guest_peak_mib': max(peaks), 'host_peak_rss_mib': rusage.ru_maxrss / 1024,
            'cpu_s': rusage.ru_utime + rusage.ru_stime}


def run(calls=1000, starts=20, cold_starts=3, seed=1, work=None):
    work = work or os.path.join(ROOT, 'target/bench/runs/overheads')
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    env = dict(os.environ, EWS_COMPONENT=COMPONENT, EWS_CACHE_DIR=CACHE)
    p = subprocess.run([HOST, 'bench', '--calls', str(calls)], env=env, check=True, capture_output=True, text=True)
    bench = json.loads(p.stdout)
    cold = []
    for _ in range(cold_starts):  # each compiles the component
        cold_env = dict(env, EWS_CACHE_DIR=os.path.join(work, 'cold-cache'))
        shutil.rmtree(cold_env['EWS_CACHE_DIR'], ignore_errors=True)
        cold.append(wall([HOST, 'describe'], cold_env, 1)['median_ms'] / 1000)
    wall([HOST, 'describe'], env, 1)  # the cache is warm
    result = {
        'component_bytes': os.path.getsize(COMPONENT), 'build': bench['build'],
        'cold_compile_ms': bench['cold_compile_ms'], 'cache_load_ms': bench['cache_load_ms'],
        'calls': bench['calls'], 'instantiate_us': bench['instantiate_us'],
        'instantiate_and_describe_us': bench['instantiate_and_describe_us'],
        'starts': starts,
        'describe_cold_cache': summary(cold) if cold else None,
        'version_cached': wall([HOST, '--version'], env, starts),
        'describe_cached': wall([HOST, 'describe'], env, starts),
        'attachment_25mib': [],
    }
    with Mock(work, 0, seed, extra=['--bench-actions']) as mock:
        for transport in ('ews', 'graph'):
            result['attachment_25mib'].append(attachment_memory(mock, transport, work))
    return result


def markdown(o):
    lines = ['### Overheads', '',
             f"Component {o['component_bytes'] / 1024:,.0f} KiB; ews-host built {o['build']}.", '',
             '| what | figure |', '|---|---:|',
             f"| component compile, cold (`bench`) | {o['cold_compile_ms']:.0f} ms |",
             f"| component load from the on-disk cache (`bench`) | {o['cache_load_ms']:.1f} ms |",
             f"| instantiation per call, median / p99 ({o['calls']} calls) | "
             f"{o['instantiate_us']['p50']:.0f} / {o['instantiate_us']['p99']:.0f} µs |",
             f"| instantiation + `describe` per call, median / p99 | "
             f"{o['instantiate_and_describe_us']['p50']:.0f} / {o['instantiate_and_describe_us']['p99']:.0f} µs |",
             f"| `ews-host describe`, empty cache (compile included), median | "
             + (f"{o['describe_cold_cache']['median_ms']:.0f} ms |" if o['describe_cold_cache'] else "- |"),
             f"| `ews-host --version`, median of {o['starts']} | {o['version_cached']['median_ms']:.1f} ms |",
             f"| `ews-host describe`, cache warm, median of {o['starts']} | "
             f"{o['describe_cached']['median_ms']:.1f} ms |"]
    for a in o['attachment_25mib']:
        t = 'EWS' if a['transport'] == 'ews' else 'Graph'
        lines += [f"| get-attachments 25 MiB ({t}): guest linear memory high-water | {a['guest_peak_mib']:.1f} MiB |",
                  f"| get-attachments 25 MiB ({t}): host peak RSS | {a['host_peak_rss_mib']:.0f} MiB |"]
    return '\n'.join(lines) + '\n'


def add_args(p):
    p.add_argument('--calls', type=int, default=1000, help='instantiations timed by `ews-host bench`')
    p.add_argument('--starts', type=int, default=20, help='process starts timed (median)')
    p.add_argument('--cold-starts', type=int, default=3, help='`describe` runs with an empty cache (each compiles)')


def main():
    part_main(__doc__, 'overheads', add_args, lambda a: run(a.calls, a.starts, a.cold_starts), markdown)


if __name__ == '__main__':
    main()
