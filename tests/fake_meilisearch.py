"""A stand-in for the Meilisearch server's index and task routes, behind `responses`.

Written from Meilisearch's documented behaviour (shared/reference/meilisearch.md and the API
reference), for the routes the backend uses to write: every write is a task, answered 202
"enqueued" and run later, one at a time in the order enqueued; adding documents or settings
to a missing index creates it; creating an index that exists, or deleting or swapping one
that does not, fails the task; POST /swap-indexes exchanges the whole indexes (documents,
settings and `createdAt`, which the server keeps inside the index) between the two names.
GET /version and GET /keys/{key} answer as for a server of `version` given a key that may not
read keys (tests/meili_answers.py). With `swap_tasks_hidden`, as for a key limited to named
indexes, a swap task is not found (404 `task_not_found`): such keys see only tasks of their
indexes, and a swap task belongs to none. Searching is not imitated: tests read
`documents(uid)`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import responses

from tests import meili_answers

Handler = Callable[[Any], tuple[int, dict[str, str], str]]
_TIME = "2026-12-01T10:00:00.000000Z"


@dataclass
class _Index:
    primary_key: str | None
    created_at: str = _TIME
    documents: dict[str, dict[str, Any]] = field(default_factory=dict)
    settings: dict[str, Any] = field(default_factory=dict)


@dataclass
class _Task:
    uid: int
    index_uid: str | None
    kind: str
    run: Callable[[], None]
    status: str = "enqueued"
    error: dict[str, str] | None = None


class TaskFailed(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


class FakeMeilisearch:
    def __init__(
        self,
        mock: responses.RequestsMock,
        url: str,
        version: str = "1.53.0",
        swap_tasks_hidden: bool = False,
    ) -> None:
        self.url = url
        self.version = version
        self.swap_tasks_hidden = swap_tasks_hidden
        self._made = 0
        self.indexes: dict[str, _Index] = {}
        self.tasks: list[_Task] = []
        self.requests: list[tuple[str, str, Any]] = []  # method, path, JSON body
        routes: list[tuple[str, str, Handler]] = [
            ("GET", r"/health", lambda _: _json(200, {"status": "available"})),
            ("GET", r"/version", lambda _: _json(200, meili_answers.version(self.version))),
            ("GET", r"/keys/[^/]+", lambda _: _json(*meili_answers.KEY_MAY_NOT_READ_KEYS)),
            ("GET", r"/tasks/(\d+)", self._task),
            ("POST", r"/indexes", self._create),
            ("POST", r"/swap-indexes", self._swap),
            ("POST", r"/indexes/([^/]+)/documents/delete", self._delete_documents),
            ("POST", r"/indexes/([^/]+)/documents", self._add_documents),
            ("PATCH", r"/indexes/([^/]+)/settings", self._update_settings),
            ("GET", r"/indexes/([^/]+)/stats", self._stats),
            ("GET", r"/indexes/([^/]+)", self._get_index),
            ("DELETE", r"/indexes/([^/]+)", self._delete_index),
        ]
        for method, path, handler in routes:
            mock.add_callback(
                method, re.compile(re.escape(url) + path + r"(\?.*)?$"), self._logged(handler)
            )

    def documents(self, uid: str) -> dict[str, dict[str, Any]]:
        """What a finished queue leaves in the index called `uid`."""
        self._run_up_to(len(self.tasks))
        return dict(self.indexes[uid].documents)

    # -- routes ----------------------------------------------------------------------------

    def _logged(self, handler: Handler) -> Handler:
        def respond(request: Any) -> tuple[int, dict[str, str], str]:
            body = json.loads(request.body) if request.body else None
            self.requests.append((request.method, urlsplit(request.url).path, body))
            return handler(request)

        return respond

    def _task(self, request: Any) -> tuple[int, dict[str, str], str]:
        uid = int(_groups(request, r"/tasks/(\d+)")[0])
        if uid >= len(self.tasks):
            return _error(404, "task_not_found", f"Task `{uid}` not found.")
        self._run_up_to(uid + 1)  # tasks run in the order they were enqueued
        task = self.tasks[uid]
        if task.kind == "indexSwap" and self.swap_tasks_hidden:
            return _error(404, "task_not_found", f"Task `{uid}` not found.")
        return _json(
            200,
            {
                "uid": task.uid,
                "indexUid": task.index_uid,
                "status": task.status,
                "type": task.kind,
                "error": task.error,
                "details": {},
                "enqueuedAt": _TIME,
            },
        )

    def _create(self, request: Any) -> tuple[int, dict[str, str], str]:
        body = json.loads(request.body)
        uid, primary_key = body["uid"], body.get("primaryKey")

        def run() -> None:
            if uid in self.indexes:
                raise TaskFailed("index_already_exists", f"Index `{uid}` already exists.")
            self.indexes[uid] = self._new_index(primary_key)

        return self._enqueue(uid, "indexCreation", run)

    def _delete_index(self, request: Any) -> tuple[int, dict[str, str], str]:
        uid = _groups(request, r"/indexes/([^/?]+)")[0]

        def run() -> None:
            self._existing(uid)
            del self.indexes[uid]

        return self._enqueue(uid, "indexDeletion", run)

    def _get_index(self, request: Any) -> tuple[int, dict[str, str], str]:
        uid = _groups(request, r"/indexes/([^/?]+)")[0]
        if uid not in self.indexes:
            return _error(404, "index_not_found", f"Index `{uid}` not found.")
        index = self.indexes[uid]
        return _json(
            200,
            {
                "uid": uid,
                "primaryKey": index.primary_key,
                "createdAt": index.created_at,
                "updatedAt": _TIME,
            },
        )

    def _stats(self, request: Any) -> tuple[int, dict[str, str], str]:
        uid = _groups(request, r"/indexes/([^/?]+)/stats")[0]
        if uid not in self.indexes:
            return _error(404, "index_not_found", f"Index `{uid}` not found.")
        count = len(self.indexes[uid].documents)
        return _json(200, {"numberOfDocuments": count, "isIndexing": False})

    def _update_settings(self, request: Any) -> tuple[int, dict[str, str], str]:
        uid = _groups(request, r"/indexes/([^/?]+)/settings")[0]
        settings = json.loads(request.body)

        def run() -> None:
            self._created(uid, None).settings.update(settings)  # what is left out is kept

        return self._enqueue(uid, "settingsUpdate", run)

    def _add_documents(self, request: Any) -> tuple[int, dict[str, str], str]:
        uid = _groups(request, r"/indexes/([^/?]+)/documents")[0]
        primary_key = dict(re.findall(r"[?&]([^=]+)=([^&]*)", request.url)).get("primaryKey")
        documents = json.loads(request.body)

        def run() -> None:
            index = self._created(uid, primary_key)
            key = index.primary_key or primary_key or "id"
            for document in documents:  # add or replace, by primary key
                index.documents[str(document[key])] = document

        return self._enqueue(uid, "documentAdditionOrUpdate", run)

    def _delete_documents(self, request: Any) -> tuple[int, dict[str, str], str]:
        uid = _groups(request, r"/indexes/([^/?]+)/documents/delete")[0]
        condition = json.loads(request.body)["filter"]
        # Only the shape the backend sends: id IN ["a", "b"], each value quoted as JSON.
        found = re.fullmatch(r"id IN \[(.*)\]", condition)
        assert found is not None, condition
        ids = json.loads(f"[{found.group(1)}]")

        def run() -> None:
            index = self._existing(uid)
            for document_id in ids:
                index.documents.pop(document_id, None)

        return self._enqueue(uid, "documentDeletion", run)

    def _swap(self, request: Any) -> tuple[int, dict[str, str], str]:
        pairs = [entry["indexes"] for entry in json.loads(request.body)]

        def run() -> None:
            for first, second in pairs:
                self._existing(first), self._existing(second)
                self.indexes[first], self.indexes[second] = (
                    self.indexes[second],
                    self.indexes[first],
                )

        return self._enqueue(None, "indexSwap", run)

    # -- the queue -------------------------------------------------------------------------

    def _enqueue(
        self, index_uid: str | None, kind: str, run: Callable[[], None]
    ) -> tuple[int, dict[str, str], str]:
        task = _Task(len(self.tasks), index_uid, kind, run)
        self.tasks.append(task)
        return _json(
            202,
            {
                "taskUid": task.uid,
                "indexUid": index_uid,
                "status": "enqueued",
                "type": kind,
                "enqueuedAt": _TIME,
            },
        )

    def _run_up_to(self, end: int) -> None:
        for task in self.tasks[:end]:
            if task.status != "enqueued":
                continue
            try:
                task.run()
            except TaskFailed as failure:
                task.status = "failed"
                task.error = {
                    "message": failure.message,
                    "code": failure.code,
                    "type": "invalid_request",
                    "link": f"https://docs.meilisearch.com/errors#{failure.code}",
                }
            else:
                task.status = "succeeded"

    def _existing(self, uid: str) -> _Index:
        if uid not in self.indexes:
            raise TaskFailed("index_not_found", f"Index `{uid}` not found.")
        return self.indexes[uid]

    def _created(self, uid: str, primary_key: str | None) -> _Index:
        if uid not in self.indexes:
            self.indexes[uid] = self._new_index(primary_key)
        return self.indexes[uid]

    def _new_index(self, primary_key: str | None) -> _Index:
        self._made += 1
        return _Index(primary_key, created_at=f"2026-12-01T10:00:{self._made:02d}.000000Z")


def _groups(request: Any, pattern: str) -> tuple[str, ...]:
    found = re.search(pattern, urlsplit(request.url).path)
    assert found is not None
    return found.groups()


def _json(status: int, body: Any) -> tuple[int, dict[str, str], str]:
    return status, {"Content-Type": "application/json"}, json.dumps(body)


def _error(status: int, code: str, message: str) -> tuple[int, dict[str, str], str]:
    body = {
        "message": message,
        "code": code,
        "type": "invalid_request",
        "link": f"https://docs.meilisearch.com/errors#{code}",
    }
    return _json(status, body)
