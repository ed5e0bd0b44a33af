"""The ingest job with Microsoft's Python Graph SDK (msgraph-sdk): the unread
emails of one folder (a listing with $filter), each one's MIME ($value),
parsed and written one directory each, then marked read (PATCH isRead)."""
import asyncio
import hashlib
import json
import os
import sys
import time
from urllib.parse import urlparse

import httpx
from kiota_abstractions.authentication import (AccessTokenProvider, AllowedHostsValidator,
                                               BaseBearerTokenAuthenticationProvider)
from kiota_abstractions.base_request_configuration import RequestConfiguration
from msgraph import GraphRequestAdapter, GraphServiceClient
from msgraph.generated.models.message import Message
from msgraph.generated.users.item.mail_folders.item.child_folders.child_folders_request_builder import \
    ChildFoldersRequestBuilder
from msgraph.generated.users.item.mail_folders.item.messages.messages_request_builder import \
    MessagesRequestBuilder

from common import write_email


class ClientCredentials(AccessTokenProvider):
    """Client credentials against the mock's token endpoint (azure-identity's
    ClientSecretCredential wants an https authority)."""

    def __init__(self, token_url, client_id, secret, host):
        self.token_url, self.client_id, self.secret = token_url, client_id, secret
        self.validator = AllowedHostsValidator([host])
        self.token, self.expires = None, 0.0

    async def get_authorization_token(self, uri, additional_authentication_context=None):
        if self.token is None or time.monotonic() > self.expires - 60:
            async with httpx.AsyncClient() as client:
                r = await client.post(self.token_url, data={
                    'grant_type': 'client_credentials', 'client_id': self.client_id,
                    'client_secret': self.secret, 'scope': 'https://graph.microsoft.com/.default'})
                r.raise_for_status()
                body = r.json()
            self.token, self.expires = body['access_token'], time.monotonic() + body['expires_in']
        return self.token

    def get_allowed_hosts_validator(self):
        return self.validator


async def ingest(graph_url, token_url, client_id, mailbox, folder_path, out_dir):
    provider = ClientCredentials(token_url, client_id, os.environ['BENCH_SECRET'],
                                 urlparse(graph_url).netloc)
    adapter = GraphRequestAdapter(BaseBearerTokenAuthenticationProvider(provider))
    adapter.base_url = graph_url
    client = GraphServiceClient(request_adapter=adapter)
    user = client.users.by_user_id(mailbox)

    folder_id = 'inbox' if folder_path.split('/')[0].lower() == 'inbox' else folder_path.split('/')[0]
    for name in folder_path.split('/')[1:]:
        query = ChildFoldersRequestBuilder.ChildFoldersRequestBuilderGetQueryParameters(
            select=['id', 'displayName'], top=100)
        page = await user.mail_folders.by_mail_folder_id(folder_id).child_folders.get(
            RequestConfiguration(query_parameters=query))
        folder_id = next(f.id for f in page.value if f.display_name.lower() == name.lower())

    query = MessagesRequestBuilder.MessagesRequestBuilderGetQueryParameters(
        filter='isRead eq false', select=['id', 'subject'], top=100)
    messages = user.mail_folders.by_mail_folder_id(folder_id).messages
    page = await messages.get(RequestConfiguration(query_parameters=query))
    ids = []
    while True:
        ids += [m.id for m in page.value]
        if not page.odata_next_link:
            break
        page = await messages.with_url(page.odata_next_link).get()

    emails = written = 0
    for item_id in ids:
        mime = await user.messages.by_message_id(item_id).content.get()
        key = hashlib.sha256(item_id.encode()).hexdigest()[:32]
        written += write_email(out_dir, key, mime, item_id)
        emails += 1
    for item_id in ids:
        await user.messages.by_message_id(item_id).patch(Message(is_read=True))
    return {'emails': emails, 'bytes_written': written}


def main():
    print(json.dumps(asyncio.run(ingest(*sys.argv[1:7]))))


if __name__ == '__main__':
    main()
