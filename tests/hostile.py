"""Hostile input: what attackers, scanners and careless pastes send, each with an id.

A payload's `markers` are the parts that would be dangerous if a page echoed them as they
are: escaped (`&lt;script&gt;`) or percent-encoded they are harmless, so a body may hold the
payload only in those forms. Payloads given as bytes are not valid UTF-8, as browsers and
scripts can send in query strings and form bodies.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote, quote_from_bytes

# What `{{ 7777*7777 }}` and friends evaluate to: seeing it means a template ran user text.
TEMPLATE_PRODUCT = "60481729"


@dataclass(frozen=True)
class Payload:
    id: str
    value: str | bytes
    markers: tuple[str, ...] = ()

    def encoded(self) -> str:
        """Percent-encoded, as a browser puts it in a query string or a form body."""
        if isinstance(self.value, bytes):
            return quote_from_bytes(self.value, safe="")
        return quote(self.value, safe="")

    def __str__(self) -> str:  # pytest ids and failure messages
        return self.id


def _p(id: str, value: str | bytes, *markers: str) -> Payload:
    return Payload(id, value, markers)


XSS = [
    _p("script", "<script>alert(1)</script>", "<script>alert(1)"),
    _p("img-onerror", "<img src=x onerror=alert(1)>", "<img src=x"),
    _p("svg-onload", "<svg onload=alert(1)>", "<svg onload"),
    _p("svg-slash", "<svg/onload=alert(1)>", "<svg/onload"),
    _p("break-double-quote", '"><script>alert(1)</script>', '"><script>'),
    _p("attribute-double", '" autofocus onfocus="alert(1)', '" autofocus onfocus='),
    _p("attribute-single", "' autofocus onfocus='alert(1)", "' autofocus onfocus="),
    _p("attribute-unquoted", "x onmouseover=alert(1)", " onmouseover=alert(1)>"),
    _p("close-textarea", "</textarea><script>alert(1)</script>", "</textarea><script>"),
    _p("close-title", "</title><script>alert(1)</script>", "</title><script>"),
    _p("close-option", "</option></select><img src=x onerror=alert(1)>", "</select><img"),
    _p("iframe", "<iframe src=//evil.example></iframe>", "<iframe"),
    _p("style-tag", "<style>body{display:none}</style>", "<style>body"),
    _p("javascript-url", "javascript:alert(1)"),
    _p("javascript-url-mixed-case", " JaVaScRiPt:alert(1)"),
    _p("data-url", "data:text/html,<script>alert(1)</script>", "<script>alert(1)"),
    _p("https-javascript", 'https://example.org/"><script>alert(1)</script>', '"><script>'),
    _p("entity-encoded", "&lt;script&gt;alert(1)&lt;/script&gt;"),
    _p("cdata", "]]><x>not xml</x>", "]]><x>"),
    _p("html-comment", "--><script>alert(1)</script><!--", "--><script>"),
]
TEMPLATE = [
    _p("jinja-expression", "{{ 7777*7777 }}", TEMPLATE_PRODUCT),
    _p("jinja-statement", "{% set x = 7777*7777 %}{{ x }}", TEMPLATE_PRODUCT),
    _p("jinja-globals", "{{ self.__init__.__globals__ }}", "__builtins__"),
    _p("jinja-config", "{{ config.items() }}{{ request.state.settings.secret_key }}"),
    _p("dollar-template", "${7777*7777}#{7777*7777}", TEMPLATE_PRODUCT),
]
SQL = [
    _p("sql-quote", "'"),
    _p("sql-or", "' OR '1'='1"),
    _p("sql-drop", "'); DROP TABLE organisation; --"),
    _p("sql-union", "x' UNION SELECT username, password_hash FROM moderator --"),
    _p("sql-like", "%' OR 1=1 --"),
    _p("sql-comment", "books/**/--"),
    _p("sql-backslash", "\\'; SELECT 1; --"),
]
FTS = [
    _p("fts-quote", '"'),
    _p("fts-unterminated", '"books'),
    _p("fts-star", "*"),
    _p("fts-prefix", "bo*"),
    _p("fts-near", "NEAR(books letters, 2)"),
    _p("fts-near-open", "NEAR("),
    _p("fts-and-or-not", "books AND OR NOT letters"),
    _p("fts-column", "name:books"),
    _p("fts-column-set", "{name description}: books"),
    _p("fts-caret", "^books"),
    _p("fts-plus-minus", "+books -letters"),
    _p("fts-parens", ")("),
]
MEILISEARCH = [
    _p("meili-or", 'x" OR kind = "books-to-prisoners'),
    _p("meili-or-country", 'abc-group" OR country = "GB'),
    _p("meili-georadius", "_geoRadius(0, 0, 1)"),
    _p("meili-exists", "kind EXISTS"),
    _p("meili-escape", '\\" OR 1 = 1'),
]
PATH = [
    _p("traversal", "../../etc/passwd"),
    _p("traversal-encoded", "%2e%2e%2f%2e%2e%2fetc%2fpasswd"),
    _p("traversal-double-encoded", "%252e%252e%252fetc%252fpasswd"),
    _p("traversal-backslash", "..\\..\\windows\\win.ini"),
    _p("traversal-dots", "....//....//etc/passwd"),
    _p("absolute-path", "/etc/passwd"),
    _p("file-url", "file:///etc/passwd"),
    _p("encoded-slash", "a%2Fb"),
]
REDIRECT = [
    _p("protocol-relative", "//evil.example"),
    _p("absolute-url", "https://evil.example/"),
    _p("backslash-host", "/\\evil.example"),
    _p("moderate-double-slash", "/moderate//evil.example"),
    _p("moderate-at", "/moderate@evil.example"),
    _p("header-injection", "/moderate\r\nSet-Cookie: injected=1"),
]
SIZE = [
    _p("long-10k", "a" * 10_000),
    _p("long-100k", "b" * 100_000),
    _p("long-words", "books letters " * 800),
    _p("long-unicode", "é" * 5_000),
]
CONTROL = [
    _p("null", "\x00"),
    _p("null-inside", "books\x00<script>alert(1)</script>", "<script>alert(1)"),
    _p("escape-sequence", "\x1b[31mred\x1b[0m"),
    _p("bell-backspace", "\x07\x08\x7f"),
    _p("crlf", "a\r\nb\rc\n"),
    _p("unicode-line-separators", "a\u2028b\u2029c\u0085d"),
    _p("byte-order-mark", "\ufeffbooks"),
    _p("whitespace-only", " \t\n\u00a0\u3000"),
    _p("empty", ""),
]
UNICODE = [
    _p("emoji", "📚✊🏽👩‍👩‍👧‍👦"),
    _p("rtl-override", "\u202egnp.exe\u202c books"),
    _p("zero-width", "b\u200bo\u200co\u200dk\u2060s"),
    _p("combining", "Poznan\u0301 " + "a" + "\u0301" * 50),
    _p("math-letters", "𝕓𝕠𝕠𝕜𝕤"),
    _p("fullwidth-markup", "＜script＞alert(1)＜/script＞"),
    _p("turkish-i", "İstanbul ıi"),
    _p("lone-surrogate-encoded", "\ufffd"),
]
NUMBERS = [
    _p("negative", "-1"),
    _p("zero", "0"),
    _p("huge-int", "99999999999999999999999"),
    _p("int64-overflow", "9223372036854775808"),
    _p("float", "1.5"),
    _p("exponent", "1e9"),
    _p("nan", "NaN"),
    _p("arabic-digits", "١٢٣"),
    _p("superscript-digit", "²"),
]
DATES = [
    _p("date-year-one", "0001-01-01T00:00:00+01:00"),
    _p("date-year-9999", "9999-12-31T23:59:59-01:00"),
    _p("date-invalid", "2026-13-45T25:61:61Z"),
]
INVALID_UTF8 = [
    _p("utf8-ff", b"\xff\xfe"),
    _p("utf8-truncated", b"books\xc3"),
    _p("utf8-bad-continuation", b"\xc3\x28"),
    _p("utf8-surrogate", b"\xed\xa0\x80"),
    _p("utf8-overlong-slash", b"\xc0\xaf..\xc0\xafetc"),
    _p("utf8-with-markup", b"\xff<script>alert(1)</script>", "<script>alert(1)"),
]

CORPUS: list[Payload] = [
    *XSS,
    *TEMPLATE,
    *SQL,
    *FTS,
    *MEILISEARCH,
    *PATH,
    *REDIRECT,
    *SIZE,
    *CONTROL,
    *UNICODE,
    *NUMBERS,
    *DATES,
    *INVALID_UTF8,
]
BY_ID = {payload.id: payload for payload in CORPUS}
assert len(BY_ID) == len(CORPUS), "payload ids must be unique"

# One of each kind, for the many fields and parameters that are not the obvious targets.
SHORT: list[Payload] = [
    BY_ID[name]
    for name in (
        "break-double-quote",
        "attribute-single",
        "jinja-expression",
        "sql-or",
        "long-10k",
        "null-inside",
        "zero-width",
        "huge-int",
        "utf8-with-markup",
    )
]

# Whole requests rather than values -------------------------------------------------------

# Bodies to a form route that are not what the form sends. (content type, body)
WRONG_CONTENT_TYPES: list[tuple[str, str, bytes]] = [
    ("json", "application/json", b'{"name": "<script>alert(1)</script>"}'),
    ("json-array", "application/json", b"[1, 2, 3]"),
    ("text-plain", "text/plain", b"name=<script>alert(1)</script>"),
    (
        "xml",
        "application/xml",
        b"<?xml version='1.0'?><!DOCTYPE x [<!ENTITY e SYSTEM 'file:///etc/passwd'>]><x>&e;</x>",
    ),
    ("multipart-no-boundary", "multipart/form-data", b"name=x"),
    ("multipart-empty-boundary", "multipart/form-data; boundary=", b"--\r\n"),
    ("multipart-garbage", "multipart/form-data; boundary=zzz", b"\xff\xfe not multipart"),
    (
        "multipart-unclosed",
        "multipart/form-data; boundary=zzz",
        b'--zzz\r\nContent-Disposition: form-data; name="name"\r\n\r\nx',
    ),
    (
        "multipart-file",
        "multipart/form-data; boundary=zzz",
        b'--zzz\r\nContent-Disposition: form-data; name="name"; filename="../../x.sh"\r\n'
        b"Content-Type: application/x-sh\r\n\r\n#!/bin/sh\r\n--zzz--\r\n",
    ),
    ("form-bad-charset", "application/x-www-form-urlencoded; charset=utf-99", b"name=%FF"),
    ("form-raw-bytes", "application/x-www-form-urlencoded", b"name=\xff\xfe&\xff=\x00"),
    ("form-broken-escapes", "application/x-www-form-urlencoded", b"name=%&%zz=%u0041&=&&"),
    ("form-too-many-fields", "application/x-www-form-urlencoded", b"a=&" * 2000),
    ("no-content-type", "", b"name=x"),
]

# Methods no route here accepts, and ones that only some do.
ODD_METHODS = ["PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "PROPFIND", "BREW"]

# Paths a scanner tries, sent as they are (not normalised by a client library).
RAW_PATHS = [
    "/static/../directory/settings.py",
    "/static/../../etc/passwd",
    "/static/%2e%2e/directory/settings.py",
    "/static/..%2fdirectory%2fsettings.py",
    "/static/..\\directory\\settings.py",
    "/static//etc/passwd",
    "/static/site.css%00.py",
    "/organisations/../moderate",
    "/organisations/..%2f..%2fetc%2fpasswd",
    "/organisations/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
    "/organisations/%ff%fe",
    "/organisations/%00",
    "/submissions/../moderate",
    "/moderate/submissions/-1",
    "/moderate/submissions/99999999999999999999999",
    "/api/organisations/%2e%2e",
    "//evil.example/",
    "/%5c%5cevil.example",
]

# Over the body limit (64 KiB), with and without an honest Content-Length.
HUGE_BODY = b"name=" + b"x" * (200 * 1024)

# Strings that must never appear in any response, whatever was sent.
NEVER_SENT = (
    "$argon2",  # a password hash
    "root:x:0:",  # /etc/passwd
    "Traceback (most recent call last)",
    "development-only-secret",  # the development secret key
    "sqlalchemy.exc",
    "sqlite3.",
)
