"""Meilisearch's answers as its documentation gives them, for the exact requests the backend
sends. Each function cites the page it follows (under https://www.meilisearch.com/docs/, the
API reference for v1.53); nothing here is derived from what our code expects. Where the
documentation is silent, the server's source at v1.50.0 (noted)."""

from __future__ import annotations

import math
from typing import Any


def version(pkg_version: str = "1.53.0") -> dict[str, str]:
    """GET /version (reference/api/version/get-version)."""
    return {
        "commitSha": "b46889b5f0f2f8b91438a08a358ba8f05fc09fc1",
        "commitDate": "2026-10-01T00:00:00Z",
        "pkgVersion": pkg_version,
    }


def error(code: str, message: str, kind: str = "invalid_request") -> dict[str, str]:
    """An error body (reference/errors/overview: message, code, type, link)."""
    return {
        "message": message,
        "code": code,
        "type": kind,
        "link": f"https://docs.meilisearch.com/errors#{code}",
    }


# GET /keys/{key} asked with a key that may not read keys (reference/errors/error_codes,
# invalid_api_key: 403), with the master key, which is not an API key (api_key_not_found:
# 404; source: meilisearch-auth get_uid_from_encoded_key), on a server without a master key
# (missing_master_key: 401).
KEY_MAY_NOT_READ_KEYS = (403, error("invalid_api_key", "The provided API key is invalid.", "auth"))
KEY_IS_THE_MASTER_KEY = (404, error("api_key_not_found", "API key `xyz` not found."))
NO_MASTER_KEY = (
    401,
    error(
        "missing_master_key",
        "Meilisearch is running without a master key. To access this API endpoint, "
        "you must have set a master key at launch.",
        "auth",
    ),
)


def key(actions: list[str], indexes: list[str], value: str = "k" * 64) -> dict[str, Any]:
    """An API key (reference/api/keys/get-api-key; the same shape from POST /keys, 201)."""
    return {
        "name": None,
        "description": None,
        "key": value,
        "uid": "01b4bc42-eb33-4041-b481-254d00cce834",
        "actions": actions,
        "indexes": indexes,
        "expiresAt": None,
        "createdAt": "2026-11-12T10:00:00Z",
        "updatedAt": "2026-11-12T10:00:00Z",
    }


def counted(request: dict[str, Any], total: int, facets: dict | None = None) -> dict[str, Any]:
    """One search of a multi-search (reference/api/multi-search) asked with `page: 0`: page
    mode gives exhaustive totals, and page 0 no hits (reference/api/search, `page`)."""
    answer: dict[str, Any] = {
        "indexUid": request["indexUid"],
        "hits": [],
        "query": request.get("q", ""),
        "processingTimeMs": 0,
        "hitsPerPage": request.get("hitsPerPage", 20),
        "page": 0,
        "totalPages": math.ceil(total / max(1, request.get("hitsPerPage", 20))),
        "totalHits": total,
    }
    if request.get("facets"):
        answer["facetDistribution"] = {field: {} for field in request["facets"]}
        answer["facetDistribution"].update(facets or {})
        answer["facetStats"] = {}
    return answer


def page(request: dict[str, Any], documents: list[dict[str, Any]], total: int) -> dict[str, Any]:
    """One search asked with offset and limit (reference/api/search: `estimatedTotalHits`),
    its hits as `retrieved`."""
    return {
        "indexUid": request["indexUid"],
        "hits": [retrieved(document, request) for document in documents],
        "query": request.get("q", ""),
        "processingTimeMs": 0,
        "limit": request.get("limit", 20),
        "offset": request.get("offset", 0),
        "estimatedTotalHits": total,
    }


def retrieved(document: dict[str, Any], request: dict[str, Any]) -> dict[str, Any]:
    """A stored document as a hit: only `attributesToRetrieve` (reference/api/search); a
    `_formatted` copy only when highlighting or cropping is asked; `_geoDistance` (metres)
    only when sorting by `_geoPoint` and `_geo` is retrieved (source, v1.50.0; documentation
    issue meilisearch/documentation#2574)."""
    wanted = request.get("attributesToRetrieve", ["*"])
    hit = {name: value for name, value in document.items() if "*" in wanted or name in wanted}
    point = next((s for s in request.get("sort", []) if s.startswith("_geoPoint(")), None)
    if point is not None and "_geo" in hit:
        latitude, longitude = (float(x) for x in point[10 : point.index(")")].split(","))
        hit["_geoDistance"] = round(_metres(latitude, longitude, hit["_geo"]))
    if request.get("attributesToHighlight") or request.get("attributesToCrop"):
        raise NotImplementedError("the backend does not ask the server for highlights")
    return hit


def _metres(latitude: float, longitude: float, geo: dict[str, float]) -> float:
    lat1, lat2 = math.radians(latitude), math.radians(geo["lat"])
    dlat, dlng = lat2 - lat1, math.radians(geo["lng"] - longitude)
    a = math.sin(dlat / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin(dlng / 2) ** 2
    return 2 * 6_371_000 * math.asin(math.sqrt(a))
