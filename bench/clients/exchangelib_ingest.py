"""The ingest job with exchangelib: the unread emails of one folder, their MIME
(GetItem), parsed and written one directory each, then marked read in bulk."""
import hashlib
import json
import os
import sys

from exchangelib import SHALLOW, BASIC, DELEGATE, Account, Build, Configuration, Credentials, Message, Version

from exchangelib.folders import FolderCollection

from common import write_email


def main():
    url, user, folder_path, out_dir = sys.argv[1:5]
    config = Configuration(
        service_endpoint=url,
        credentials=Credentials(user, os.environ['BENCH_PASSWORD']),
        auth_type=BASIC,
        version=Version(build=Build(15, 1, 2507, 6)),
    )
    account = Account(primary_smtp_address=user, config=config,
                      autodiscover=False, access_type=DELEGATE)
    first, *rest = folder_path.split('/')
    assert first.lower() == 'inbox', 'the benchmark folder is under Inbox'
    folder = account.inbox
    for name in rest:
        # FindFolder on the folder itself. (`folder / name` first resolves every
        # distinguished folder exchangelib knows, some of them newer than the
        # mock's 2018 Exchange Online schema: see docs/benchmarks.md.)
        found = FolderCollection(account=account, folders=[folder]).find_folders(depth=SHALLOW)
        folder = next(f for f in found if f.name.lower() == name.lower())
    emails = written = 0
    done = []
    # FindItem (ids) then GetItem of the MIME, page by page (a QuerySet does not cache).
    for item in folder.filter(is_read=False).only('mime_content', 'subject'):
        key = hashlib.sha256(item.id.encode()).hexdigest()[:32]
        written += write_email(out_dir, key, item.mime_content, item.id)
        # Only the id and change key are kept: not the MIME of every email.
        done.append((Message(account=account, id=item.id, changekey=item.changekey, is_read=True),
                     ['is_read']))
        emails += 1
    for result in account.bulk_update(items=done, suppress_read_receipts=True):
        if isinstance(result, Exception):
            raise result
    print(json.dumps({'emails': emails, 'bytes_written': written}))


if __name__ == '__main__':
    main()
