"""What the Python clients do with each email, the same for exchangelib and
msgraph-sdk: parse the MIME with the standard library and write one directory
per email (record.json, message.eml, one file per attachment), as the
ews-host directory sink does."""
import email
import email.policy
import hashlib
import json
import os
import re

_UNSAFE = re.compile(r'[\\/:\x00-\x1f]')


def _safe(name, taken):
    name = _UNSAFE.sub('_', name or 'attachment').lstrip('.')[:120] or 'attachment'
    base, n = name, 1
    while name.lower() in taken:
        n += 1
        name = f'{n}-{base}'
    taken.add(name.lower())
    return name


def _addresses(msg, header):
    return [{'name': a.display_name, 'address': a.addr_spec}
            for a in (msg[header].addresses if msg[header] else ())]


def write_email(out_dir, key, mime, item_id):
    """Parses `mime` (bytes) and writes `out_dir/key/`. Returns bytes written."""
    msg = email.message_from_bytes(mime, policy=email.policy.default)
    folder = os.path.join(out_dir, key)
    os.makedirs(folder, exist_ok=True)
    written = 0
    with open(os.path.join(folder, 'message.eml'), 'wb') as f:
        written += f.write(mime)
    body = {}
    for kind in ('plain', 'html'):
        part = msg.get_body(preferencelist=(kind,))
        body['text' if kind == 'plain' else 'html'] = part.get_content() if part else None
    taken = {'record.json', 'message.eml'}
    attachments = []
    for part in msg.iter_attachments():
        if part.get_content_type() == 'message/rfc822':
            inner = part.get_content()
            data = inner.as_bytes()
            nested = {'subject': inner['subject'], 'from': _addresses(inner, 'from')}
        else:
            data = part.get_payload(decode=True) or b''
            nested = None
        name = _safe(part.get_filename(), taken)
        with open(os.path.join(folder, name), 'wb') as f:
            written += f.write(data)
        attachments.append({'file': name, 'original_name': part.get_filename(),
                            'media_type': part.get_content_type(), 'size': len(data),
                            'sha256': hashlib.sha256(data).hexdigest(), 'email': nested})
    record = {
        'item_id': item_id, 'internet_message_id': msg['message-id'],
        'subject': msg['subject'], 'from': _addresses(msg, 'from'), 'to': _addresses(msg, 'to'),
        'cc': _addresses(msg, 'cc'), 'sent': msg['date'],
        'headers': [{'name': k, 'value': str(v)} for k, v in msg.items()],
        'body': body, 'attachments': attachments, 'eml': 'message.eml',
    }
    data = json.dumps(record, ensure_ascii=False).encode()
    with open(os.path.join(folder, 'record.json'), 'wb') as f:
        written += f.write(data)
    return written
