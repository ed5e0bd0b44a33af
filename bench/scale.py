"""Scale (docs/benchmarks.md, "Scale"): M mailboxes (a --basic user each, K
small emails each: `--bench-small --bench-every-basic`) in one mock, served
twice: as M configurations one after the other, each `ews-host daemon --once`
(again until its folder is drained) on its own mailbox, state and dir sink;
then, against a fresh mock, by one `ews-host daemon --once` whose config has
the M mailboxes as `[[mailboxes]]` (docs/fleet.md). Reports the CPU seconds
and peak RSS of the ews-host processes, per mailbox and in total.
Runnable alone: BENCH_BIN_DIR=target/debug target/bench-venv/bin/python bench/scale.py --mailboxes 3 --per-mailbox 5"""
import os
import shutil
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from actions import summary  # noqa: E402
from bench import part_main, PASSWORD, RELEASE, ROOT, Mock, host_env, run_measured  # noqa: E402


def mailbox(j):
    return f'scale{j:04}@contoso.example'


def run(mailboxes=200, per_mailbox=100, seed=1, work=None):
    work = work or os.path.join(ROOT, 'target/bench/runs/scale')
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    extra = ['--bench-small', '--bench-every-basic']
    for j in range(mailboxes):
        extra += ['--basic', f'{mailbox(j)}:{PASSWORD}']
    per = []
    with Mock(work, per_mailbox, seed, extra=extra) as mock:
        start = time.perf_counter()
        for j in range(mailboxes):
            box = os.path.join(work, str(j))
            os.makedirs(os.path.join(box, 'sink'))
            env = host_env(mock, 'ews', box, os.path.join(box, 'sink'), mailbox=mailbox(j))
            usages, t0 = [], time.perf_counter()
            for _ in range(1000):
                usages.append(run_measured([os.path.join(RELEASE, 'ews-host'), 'daemon', '--once'], env,
                                           os.path.join(work, 'client.log'))[0])
                folder = mock.stats(mailbox(j))['folder']
                if folder['unread'] == 0:
                    break
            written = len([d for d in os.listdir(os.path.join(box, 'sink')) if not d.startswith('.')])
            if folder['unread'] or written != per_mailbox:
                raise RuntimeError(f'{mailbox(j)}: {folder["unread"]} unread left, {written} written')
            per.append({'wall_s': time.perf_counter() - t0, 'processes': len(usages),
                        'cpu_s': sum(u.ru_utime + u.ru_stime for u in usages),
                        'max_rss_mb': max(u.ru_maxrss for u in usages) / 1024})
            shutil.rmtree(box)
        wall = time.perf_counter() - start
        stats = mock.stats()
    cpu = [p['cpu_s'] for p in per]
    rss = [p['max_rss_mb'] for p in per]
    with Mock(work, per_mailbox, seed, extra=extra) as mock:
        together = one_process(mock, work, mailboxes, per_mailbox)
    return {
        'one_process': together,
        'mailboxes': mailboxes, 'per_mailbox': per_mailbox, 'emails': mailboxes * per_mailbox,
        'wall_s': wall, 'cpu_s': sum(cpu), 'processes': sum(p['processes'] for p in per),
        'cpu_s_per_mailbox': {'mean': sum(cpu) / len(cpu), 'median': summary(cpu)['median_ms'] / 1000,
                              'p99': summary(cpu)['p99_ms'] / 1000, 'max': max(cpu)},
        'max_rss_mb': {'max': max(rss), 'median': summary(rss)['median_ms'] / 1000},
        'wall_s_per_mailbox': summary([p['wall_s'] for p in per])['median_ms'] / 1000,
        'requests': stats['http_requests'], 'schema_failures': stats['schema_failures'],
    }


def one_process(mock, work, mailboxes, per_mailbox, concurrency=4):
    """All the mailboxes in one `ews-host daemon --once`, `concurrency` steps at once."""
    box = os.path.join(work, 'together')
    os.makedirs(box)
    lines = [f'concurrency = {concurrency}']
    for j in range(mailboxes):
        lines += ['', '[[mailboxes]]', f'username = "{mailbox(j)}"',
                  f'primary_smtp_address = "{mailbox(j)}"',
                  f'sink_dir = "{os.path.join(box, "sink" + str(j))}"']
    config = os.path.join(box, 'ews.toml')
    with open(config, 'w') as f:
        f.write('\n'.join(lines) + '\n')
    env = host_env(mock, 'ews', box, os.path.join(box, 'sink'), mailbox=mailbox(0))
    start = time.perf_counter()
    usage, _ = run_measured([os.path.join(RELEASE, 'ews-host'), '--config', config, 'daemon', '--once'],
                            env, os.path.join(work, 'client.log'))
    wall = time.perf_counter() - start
    for j in range(mailboxes):
        folder = mock.stats(mailbox(j))['folder']
        written = len([d for d in os.listdir(os.path.join(box, 'sink' + str(j))) if not d.startswith('.')])
        if folder['unread'] or written != per_mailbox:
            raise RuntimeError(f'one process, {mailbox(j)}: {folder["unread"]} unread left, {written} written')
    cpu = usage.ru_utime + usage.ru_stime
    shutil.rmtree(box)
    return {'concurrency': concurrency, 'wall_s': wall, 'cpu_s': cpu,
            'cpu_s_per_mailbox': cpu / mailboxes, 'max_rss_mb': usage.ru_maxrss / 1024,
            'emails_per_s': mailboxes * per_mailbox / wall}


def markdown(s):
    c = s['cpu_s_per_mailbox']
    o = s['one_process']
    return '\n'.join([
        f"### Scale: {s['mailboxes']} mailboxes of {s['per_mailbox']} emails, one `daemon --once` configuration each", '',
        '| measure | figure |', '|---|---:|',
        f"| wall s, all mailboxes one after the other | {s['wall_s']:.1f} |",
        f"| CPU s (user+sys) of ews-host, total | {s['cpu_s']:.1f} |",
        f"| CPU s per mailbox, mean / median / p99 / max | {c['mean']:.3f} / {c['median']:.3f} / {c['p99']:.3f} / {c['max']:.3f} |",
        f"| wall s per mailbox, median | {s['wall_s_per_mailbox']:.2f} |",
        f"| peak RSS MB per process, median / max | {s['max_rss_mb']['median']:.0f} / {s['max_rss_mb']['max']:.0f} |",
        f"| ews-host processes | {s['processes']} |",
        f"| requests to the mock | {s['requests']} |",
        '', f"The same mailboxes in one process (`[[mailboxes]]`, concurrency {o['concurrency']}):", '',
        '| measure | figure |', '|---|---:|',
        f"| wall s | {o['wall_s']:.1f} |",
        f"| emails/s | {o['emails_per_s']:.0f} |",
        f"| CPU s (user+sys), total | {o['cpu_s']:.1f} |",
        f"| CPU s per mailbox | {o['cpu_s_per_mailbox']:.3f} |",
        f"| peak RSS MB | {o['max_rss_mb']:.0f} |",
    ]) + '\n'


def add_args(p):
    p.add_argument('--mailboxes', type=int, default=200)
    p.add_argument('--per-mailbox', type=int, default=100)


def main():
    part_main(__doc__, 'scale', add_args, lambda a: run(a.mailboxes, a.per_mailbox), markdown)


if __name__ == '__main__':
    main()
