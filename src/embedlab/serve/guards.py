"""Request guards of the HTTP API: a ``Host`` header check (against DNS rebinding) and a cap on
the request body, as one small pure-ASGI middleware that never buffers a body.

**Host check.** A web page on another origin can make a browser send requests to
``127.0.0.1`` by rebinding its own name to that address; the requests then carry the
page's name in ``Host``. A server bound to a loopback address therefore answers only the
loopback names (``127.0.0.1``, ``localhost``, ``[::1]``, the bound address itself, each with
or without a port) and the names given with ``--allow-host``; any other ``Host`` (or none)
is refused with 421 before the request reaches a route. A server bound to another address
checks nothing unless ``--allow-host`` is given (then: those names plus the loopback ones).
``--allow-host '*'`` turns the check off.

**Body cap.** A body longer than ``max_body_bytes`` (default :data:`DEFAULT_MAX_BODY_BYTES`,
64 MiB: room for 100 texts of 50,000 CJK characters even with every character
``\\u``-escaped) is refused with 413: at once when ``Content-Length`` says so, else as soon
as the streamed (e.g. chunked) body passes the cap, without reading the rest.

Both answer in the API's one error shape, ``{"error": {"message", "type", "param",
"code"}}``, with codes ``host_not_allowed`` and ``body_too_large``.
"""

from __future__ import annotations

import ipaddress
import json
import logging
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from typing import Any

log = logging.getLogger(__name__)

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

#: Default cap on a request body, in bytes (64 MiB).
DEFAULT_MAX_BODY_BYTES = 64 * 1024 * 1024
#: Host names a loopback-bound server always answers (with or without a port).
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "[::1]")
#: ``--allow-host`` value that turns the Host check off.
ANY_HOST = "*"


def is_loopback(host: str) -> bool:
    """Whether ``host`` (an address or ``localhost``, as given to ``--host``) is loopback."""
    name = host.strip().strip("[]").lower()
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def split_host(value: str) -> tuple[str, str | None] | None:
    """``(name, port)`` of a ``Host`` header value (name lower-cased, IPv6 in brackets,
    port None when absent), or None when it is malformed."""
    value = value.strip().lower()
    if not value:
        return None
    if value.startswith("["):
        end = value.find("]")
        if end < 0:
            return None
        name, rest = value[:end + 1], value[end + 1:]
        try:
            ipaddress.IPv6Address(name[1:-1])
        except ValueError:
            return None
    elif value.count(":") > 1:  # a bare IPv6 address (as given to --allow-host)
        try:
            return f"[{ipaddress.IPv6Address(value).compressed}]", None
        except ValueError:
            return None
    else:
        name, colon, port = value.partition(":")
        rest = colon + port
    if rest:
        port = rest[1:]
        if not rest.startswith(":") or not port.isdigit() or len(port) > 5:
            return None
        return name, port
    return (name, None) if name else None


def allowed_hosts_for(bind_host: str | None, allow: Iterable[str] = ()) -> list[str] | None:
    """The ``Host`` names a server bound to ``bind_host`` answers, or None for no check.

    Loopback binding: the loopback names, the bound address and ``allow``. Another
    binding (or none known): no check, unless ``allow`` names hosts (then those plus the
    loopback names). ``*`` in ``allow`` turns the check off. Raises ValueError for a
    malformed name in ``allow``.
    """
    extra = [a.strip() for a in allow]
    if ANY_HOST in extra:
        return None
    for entry in extra:
        if split_host(entry) is None:
            raise ValueError(f"--allow-host {entry!r} is not a host name or address (with an "
                             "optional :PORT), e.g. myhost.lan or 192.168.1.5:11435")
    loopback = bind_host is not None and is_loopback(bind_host)
    if not loopback and not extra:
        return None
    hosts = list(LOOPBACK_HOSTS)
    if bind_host is not None and loopback:
        hosts.append(bind_host)
    return list(dict.fromkeys(hosts + extra))


class _BodyTooLarge(Exception):
    """Raised into the app by ``receive`` once the body passes the cap."""


def _error_body(status: int, message: str, code: str) -> bytes:
    from embedlab.serve.errors import APIError

    return json.dumps(APIError(status, message, code=code).body()).encode()


async def _send_error(send: Send, status: int, message: str, code: str) -> None:
    body = _error_body(status, message, code)
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode()),
                            (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body})


class RequestGuards:
    """ASGI middleware: refuse a ``Host`` not in ``allowed_hosts`` (421; None: no check) and
    a body over ``max_body_bytes`` (413; None: no cap)."""

    def __init__(self, app: ASGIApp, allowed_hosts: Iterable[str] | None = None,
                 max_body_bytes: int | None = DEFAULT_MAX_BODY_BYTES) -> None:
        if max_body_bytes is not None and max_body_bytes < 1:
            raise ValueError(f"max_body_bytes must be positive, got {max_body_bytes}")
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.hosts: set[tuple[str, str | None]] | None = None
        if allowed_hosts is not None:
            self.hosts = set()
            for entry in allowed_hosts:
                parsed = split_host(entry)
                if parsed is None:
                    raise ValueError(f"allowed host {entry!r} is not a host name or address")
                self.hosts.add(parsed)
            self.names = ", ".join(sorted({n for n, _ in self.hosts}))

    def host_allowed(self, value: str | None) -> bool:
        """Whether a request with ``Host: value`` may pass."""
        if self.hosts is None:
            return True
        parsed = split_host(value) if value is not None else None
        if parsed is None:
            return False
        return parsed in self.hosts or (parsed[0], None) in self.hosts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers = {k.lower(): v for k, v in scope.get("headers", ())}
        if self.hosts is not None:
            raw = headers.get(b"host")
            host = raw.decode("latin-1") if raw is not None else None
            if not self.host_allowed(host):
                if scope["type"] == "websocket":
                    await send({"type": "websocket.close", "code": 1008})
                    return
                shown = "no Host header" if host is None else f"Host {host[:100]!r}"
                await _send_error(send, 421, (
                    f"{shown} is not one this server answers to (it answers: {self.names}); "
                    "a server on a loopback address refuses other names against DNS "
                    "rebinding; start it with --allow-host NAME to accept a name"),
                    "host_not_allowed")
                return
        if scope["type"] != "http" or self.max_body_bytes is None:
            await self.app(scope, receive, send)
            return
        await self._capped(scope, receive, send, headers.get(b"content-length"))

    async def _capped(self, scope: Scope, receive: Receive, send: Send,
                      length: bytes | None) -> None:
        cap = self.max_body_bytes
        assert cap is not None
        if length is not None:
            try:
                declared = int(length)
            except ValueError:
                declared = -1
            if declared < 0:
                await _send_error(send, 400, f"Content-Length {length[:40]!r} is not a "
                                  "non-negative integer", "invalid_content_length")
                return
            if declared > cap:
                await _send_error(send, 413, self._too_large(f"{declared:,} bytes"),
                                  "body_too_large")
                return
        received = 0
        over = False
        started = False

        async def capped_receive() -> Message:
            nonlocal received, over
            if over:
                raise _BodyTooLarge
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > cap:
                    over = True
                    raise _BodyTooLarge
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if over:  # the app's answer to the cut-off body is replaced by the 413
                return
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, capped_receive, guarded_send)
        except _BodyTooLarge:
            pass
        except Exception:
            if not over:
                raise
            log.debug("error after the body cap was passed", exc_info=True)
        if over:
            if started:
                log.warning("request body passed --max-body-bytes after the response began")
                return
            await _send_error(send, 413, self._too_large(f"more than {cap:,} bytes"),
                              "body_too_large")

    def _too_large(self, size: str) -> str:
        return (f"request body is {size}; this server takes at most "
                f"{self.max_body_bytes:,} bytes (--max-body-bytes)")
