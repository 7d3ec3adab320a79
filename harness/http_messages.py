"""The HTTP request and response the front-door emulators pass along (viewer → CloudFront → origin)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from urllib.parse import parse_qsl, urlencode


@dataclass(frozen=True)
class HttpRequest:
    """A request as one hop receives it; header names keep the sender's case."""

    method: str
    path: str
    query: tuple[tuple[str, str], ...] = ()
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""
    client_ip: str = "127.0.0.1"
    scheme: str = "https"

    @classmethod
    def parse_query(cls, query: str) -> tuple[tuple[str, str], ...]:
        return tuple(parse_qsl(query, keep_blank_values=True))

    @property
    def query_string(self) -> str:
        return urlencode(self.query)

    def header(self, name: str) -> str | None:
        """The first value of a header, by case-insensitive name."""
        wanted = name.lower()
        return next((value for key, value in self.headers if key.lower() == wanted), None)

    def with_changes(self, **changes: object) -> HttpRequest:
        return replace(self, **changes)  # type: ignore[arg-type]


@dataclass
class HttpResponse:
    """A response; ``headers`` is ordered and may repeat a name."""

    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""

    def header(self, name: str) -> str | None:
        wanted = name.lower()
        return next((value for key, value in self.headers if key.lower() == wanted), None)

    def set_header(self, name: str, value: str) -> None:
        self.remove_header(name)
        self.headers.append((name, value))

    def remove_header(self, name: str) -> None:
        wanted = name.lower()
        self.headers = [(key, value) for key, value in self.headers if key.lower() != wanted]
