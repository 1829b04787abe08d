"""The two Meilisearch keys the directory uses, made with the master key (`directory meili-keys`).

Meilisearch keeps its master key for managing keys. The directory needs one key to write its
index (with the actions it calls, on its own index and the `_new` one a rebuild fills) and one
to search it. Neither can manage keys.
"""

from __future__ import annotations

from typing import Any

import meilisearch
import requests
from meilisearch.errors import (
    MeilisearchApiError,
    MeilisearchCommunicationError,
    MeilisearchError,
    MeilisearchTimeoutError,
)

# Every call the backend makes with its admin key: GET /version, the index (get, create,
# delete, swap), settings, documents added and deleted, tasks waited on, stats for /healthz,
# and search (so that one key serves when no search key is set).
ADMIN_ACTIONS = (
    "version",
    "indexes.get",
    "indexes.create",
    "indexes.delete",
    "indexes.swap",
    "settings.update",
    "documents.add",
    "documents.delete",
    "tasks.get",
    "stats.get",
    "search",
)


def key_requests(index_uid: str) -> list[dict[str, Any]]:
    """The bodies of the two `POST /keys` calls: the admin key, then the search key."""
    return [
        {
            "name": f"directory admin ({index_uid})",
            "description": "Writes the prisoner support directory's search index",
            "actions": list(ADMIN_ACTIONS),
            "indexes": [index_uid, f"{index_uid}_new"],
            "expiresAt": None,
        },
        {
            "name": f"directory search ({index_uid})",
            "description": "Searches the prisoner support directory's index",
            "actions": ["search"],
            "indexes": [index_uid],
            "expiresAt": None,
        },
    ]


def create(url: str, master_key: str, index_uid: str, timeout: int = 10) -> tuple[str, str]:
    """Make both keys on the server at `url`; returns (admin key, search key)."""
    client = meilisearch.Client(url, master_key, timeout=timeout)
    made = []
    for body in key_requests(index_uid):
        try:
            # The answer as sent (reference/api/keys/create-api-key), not the client's model,
            # which refuses some of the server's date forms.
            made.append(str(client.http.post("keys", body)["key"]))
        except MeilisearchApiError as error:
            raise KeysNotMade(f"{error.code or 'error'} (HTTP {error.status_code})") from error
        except MeilisearchTimeoutError as error:
            raise KeysNotMade(f"{url} did not answer in time") from error
        except MeilisearchCommunicationError as error:
            raise KeysNotMade(f"cannot connect to {url}") from error
        except MeilisearchError as error:
            raise KeysNotMade(type(error).__name__) from error
        except (requests.exceptions.RequestException, ValueError, KeyError, TypeError) as error:
            raise KeysNotMade(
                f"an answer that is not Meilisearch's ({type(error).__name__})"
            ) from error
    admin, search = made
    return admin, search


class KeysNotMade(Exception):
    """The server did not make a key: why, in a few words."""
