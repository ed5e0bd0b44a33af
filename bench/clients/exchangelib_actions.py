"""The action benchmark's calls with exchangelib (bench/actions.py), each timed
in-process after one warm-up call; prints {action: [seconds, ...]} as JSON.

- get-out-of-office: `account.oof_settings` (GetUserOofSettings);
- search-emails-extended: `folder.filter(subject__contains='invoice')` on
  Inbox/Search, the fields ews-host's search answers, a page of 1,000 (FindItem,
  then GetItem per 100 for the recipients, as ews-host);
- get-attachments: the email's attachment list (GetItem), then the attachment's
  content (GetAttachment), written to a file as `ews-host invoke --out` does;
- send-email: `Message(...).send()` (SendOnly).
Usage: exchangelib_actions.py EWS_URL MAILBOX RUNS OUT_DIR (password in BENCH_PASSWORD)."""
import json
import os
import sys
import time

from exchangelib import BASIC, DELEGATE, SHALLOW, Account, Build, Configuration, Credentials, Message, Version
from exchangelib.folders import FolderCollection

SEARCH_FIELDS = ('subject', 'sender', 'to_recipients', 'cc_recipients', 'datetime_received', 'datetime_sent',
                 'message_id', 'is_read', 'has_attachments', 'importance', 'categories', 'size')


def subfolder(account, path):
    """Inbox/NAME by one FindFolder (see exchangelib_ingest.py for why not `/`)."""
    first, name = path.split('/')
    assert first == 'Inbox'
    found = FolderCollection(account=account, folders=[account.inbox]).find_folders(depth=SHALLOW)
    return next(f for f in found if f.name.lower() == name.lower())


def main():
    url, user, runs, out_dir = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    os.makedirs(out_dir, exist_ok=True)
    config = Configuration(service_endpoint=url, credentials=Credentials(user, os.environ['BENCH_PASSWORD']),
                           auth_type=BASIC, version=Version(build=Build(15, 1, 2507, 6)))
    account = Account(primary_smtp_address=user, config=config, autodiscover=False, access_type=DELEGATE)
    search_folder = subfolder(account, 'Inbox/Search')
    big = next(iter(subfolder(account, 'Inbox/Attachment').all().only('id', 'changekey')))

    def oof():
        assert account.oof_settings.state

    def search():
        qs = search_folder.filter(subject__contains='invoice').only(*SEARCH_FIELDS).order_by('-datetime_received')
        qs.page_size = 1000
        found = list(qs)
        assert len(found) == 100, len(found)

    def attachments():
        item = account.fetch(ids=[(big.id, big.changekey)], only_fields=['attachments'])
        item = next(iter(item))
        for att in item.attachments:
            with open(os.path.join(out_dir, att.name), 'wb') as f:
                f.write(att.content)
            assert len(att.content) == 25 * 1024 * 1024

    def send():
        Message(account=account, subject='Benchmark notification',
                body='Thanks for your report: we removed the email.',
                to_recipients=['reporter@contoso.example']).send()

    result = {}
    for action, call in (('get-out-of-office', oof), ('search-emails-extended', search),
                         ('get-attachments', attachments), ('send-email', send)):
        samples = []
        for i in range(runs + 1):
            start = time.perf_counter()
            call()
            if i:  # the first is the warm-up
                samples.append(time.perf_counter() - start)
        result[action] = samples
        print(f'{action}: done', file=sys.stderr, flush=True)
    print(json.dumps(result))


if __name__ == '__main__':
    main()
