"""Real HTTP servers on 127.0.0.1 that play Zalo (OpenAPI + OAuth) and the Telegram Bot API.

They run in the test's event loop (aiohttp), record every call and can be told to misbehave.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import io
import json
import re
import socket
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def jpeg(color: tuple[int, int, int] = (10, 120, 10)) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (40, 30), color).save(buf, "JPEG")
    return buf.getvalue()


class Server:
    def __init__(self) -> None:
        self.app = web.Application(client_max_size=20 * 1024 * 1024)
        self.runner: web.AppRunner | None = None
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"

    async def start(self) -> None:
        self.runner = web.AppRunner(self.app)
        await self.runner.setup()
        await web.TCPSite(self.runner, "127.0.0.1", self.port).start()

    async def stop(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()


async def wait_for(predicate: Any, within: float = 20.0, what: str = "condition") -> None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if predicate():
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


# ---------------------------------------------------------------- Zalo

@dataclass
class ZaloStandIn(Server):
    app_id: str = "1160000000000000001"
    app_secret: str = "app-secret"
    oa_secret: str = "oa-secret-key"
    access_token: str = "access-1"
    refresh_token: str = "refresh-1"
    faults: list[str] = field(default_factory=list)  # next sends: "5xx", "-216", "-230", "-234", "-32", "timeout"
    sends: list[dict[str, Any]] = field(default_factory=list)  # successful sends only
    attempts: int = 0
    refreshes: int = 0
    uploads: int = 0
    timeout_s: float = 3.0
    # Like real Zalo: consultation messages only within `window_s` of the person's last message
    # (None: no window), recorded when an event from them is built with event().
    window_s: float | None = None
    last_interaction: dict[str, float] = field(default_factory=dict)
    transactions: list[dict[str, Any]] = field(default_factory=list)  # accepted transaction messages
    transaction_faults: list[str] = field(default_factory=list)  # next transaction sends: "-244", ...
    zns: list[dict[str, Any]] = field(default_factory=list)  # accepted ZNS template messages
    zns_templates: set[str] = field(default_factory=set)
    uploaded: list[tuple[str, int]] = field(default_factory=list)  # (format by content, bytes) accepted
    upload_faults: list[str] = field(default_factory=list)
    refused: list[tuple[int, dict[str, Any]]] = field(default_factory=list)  # (error, body) of refused sends
    upload_limit: int = 1024 * 1024  # Zalo's image upload: JPG/PNG, about 1 MB
    # A crash mid-send: after `stall_after` accepted messages, each further one is accepted (the
    # person gets it) but its answer is held until `unstall()`: the sender never learns it went out.
    stall_after: int | None = None
    stalled: int = 0

    def __post_init__(self) -> None:
        Server.__init__(self)
        self.unstalled = asyncio.Event()
        self.app.router.add_post("/v3.0/oa/message/cs", self.message)
        self.app.router.add_post("/v3.0/oa/message/transaction", self.transaction)
        self.app.router.add_post("/message/template", self.zns_send)
        self.app.router.add_post("/v2.0/oa/upload/image", self.upload)
        self.app.router.add_get("/v3.0/oa/user/detail", self.detail)
        self.app.router.add_post("/v4/oa/access_token", self.oauth)
        self.app.router.add_get("/img/{name}", self.image)

    def env(self) -> dict[str, str]:
        return {"ZALO_APP_ID": self.app_id, "ZALO_APP_SECRET": self.app_secret, "ZALO_OA_SECRET_KEY": self.oa_secret,
                "ZALO_ACCESS_TOKEN": self.access_token, "ZALO_REFRESH_TOKEN": self.refresh_token,
                "ZALO_API_BASE": self.url, "ZALO_OAUTH_BASE": self.url, "ZALO_ZNS_BASE": self.url}

    def texts(self, user_id: str | None = None) -> list[str]:
        return [s["message"].get("text", "") for s in self.sends
                if "text" in s["message"] and (user_id is None or s["recipient"].get("user_id") == user_id)]

    def images(self, user_id: str | None = None) -> list[dict[str, Any]]:
        return [s["message"] for s in self.sends if "attachment" in s["message"]
                and s["message"]["attachment"]["payload"].get("template_type") == "media"
                and (user_id is None or s["recipient"].get("user_id") == user_id)]

    def _refuse(self, code: int, message: str, body: dict[str, Any]) -> web.Response:
        self.refused.append((code, body))
        return web.json_response({"error": code, "message": message})

    async def message(self, request: web.Request) -> web.Response:
        self.attempts += 1
        body = await request.json()
        user = body.get("recipient", {}).get("user_id")
        if self.window_s is not None and user is not None \
                and time.time() - self.last_interaction.get(user, 0.0) > self.window_s:
            return self._refuse(-230, "User has not interacted with the OA in the allowed time", body)
        message = body.get("message", {})
        if "text" in message and not str(message["text"]).strip():
            return self._refuse(-201, "Text message is empty", body)
        if not message.get("text") and "attachment" not in message:
            return self._refuse(-201, "Message is empty", body)
        if self.faults:
            fault = self.faults.pop(0)
            if fault == "5xx":
                return web.Response(status=502, text="bad gateway")
            if fault == "timeout":
                await asyncio.sleep(self.timeout_s)
                return web.json_response({"error": 0, "message": "Success (too late)", "data": {}})
            if fault == "-216":
                self.access_token = "revoked"  # the stored token stops working
            else:
                return web.json_response({"error": int(fault), "message": f"fault {fault}"})
        if request.headers.get("access_token") != self.access_token:
            return web.json_response({"error": -216, "message": "Access token is invalid"})
        self.sends.append(body)
        number = len(self.sends)
        if self.stall_after is not None and number > self.stall_after:
            self.stalled += 1
            await self.unstalled.wait()
        return web.json_response({"error": 0, "message": "Success",
                                  "data": {"message_id": f"m{number}", "user_id": body["recipient"]["user_id"]}})

    def unstall(self) -> None:
        self.stall_after = None
        self.unstalled.set()

    async def transaction(self, request: web.Request) -> web.Response:
        body = await request.json()
        if request.headers.get("access_token") != self.access_token:
            return web.json_response({"error": -216, "message": "Access token is invalid"})
        if self.transaction_faults:
            return self._refuse(int(self.transaction_faults.pop(0)), "transaction refused", body)
        payload = body.get("message", {}).get("attachment", {}).get("payload", {})
        if not str(payload.get("template_type", "")).startswith("transaction_") or not payload.get("elements"):
            return self._refuse(-201, "Invalid transaction template", body)
        self.transactions.append(body)
        return web.json_response({"error": 0, "message": "Success",
                                  "data": {"message_id": f"t{len(self.transactions)}",
                                           "user_id": body["recipient"].get("user_id")}})

    async def zns_send(self, request: web.Request) -> web.Response:
        body = await request.json()
        if request.headers.get("access_token") != self.access_token:
            return web.json_response({"error": -124, "message": "Access token is invalid"})
        if not re.fullmatch(r"84\d{9,10}", str(body.get("phone", ""))):
            return self._refuse(-108, "Phone number is invalid", body)
        if body.get("template_id") not in self.zns_templates:
            return self._refuse(-1124, "Template is not approved", body)
        self.zns.append(body)
        return web.json_response({"error": 0, "message": "Success",
                                  "data": {"msg_id": f"z{len(self.zns)}", "sent_time": str(int(time.time() * 1000))}})

    async def upload(self, request: web.Request) -> web.Response:
        if request.headers.get("access_token") != self.access_token:
            return web.json_response({"error": -216, "message": "Access token is invalid"})
        form = await request.post()
        if self.upload_faults:
            return web.json_response({"error": int(self.upload_faults.pop(0)), "message": "upload fault"})
        upload = form.get("file")
        data = upload.file.read() if hasattr(upload, "file") else b""
        kind = "jpg" if data[:3] == b"\xff\xd8\xff" else "png" if data[:8] == b"\x89PNG\r\n\x1a\n" else "other"
        if kind == "other":
            return web.json_response({"error": -201, "message": "Only jpg and png images are accepted"})
        if len(data) > self.upload_limit:
            return web.json_response({"error": -201, "message": "The image is larger than 1MB"})
        self.uploads += 1
        self.uploaded.append((kind, len(data)))
        return web.json_response({"error": 0, "message": "Success", "data": {"attachment_id": f"att{self.uploads}"}})

    async def detail(self, request: web.Request) -> web.Response:
        data = json.loads(request.query["data"])
        return web.json_response({"error": 0, "message": "Success", "data": {
            "user_id": data["user_id"], "display_name": "Nguyễn Văn A", "user_is_follower": True}})

    async def oauth(self, request: web.Request) -> web.Response:
        form = await request.post()
        if request.headers.get("secret_key") != self.app_secret or form.get("app_id") != self.app_id:
            return web.json_response({"error": -14014, "error_name": "Invalid secret key"})
        if form.get("refresh_token") != self.refresh_token:  # single use
            return web.json_response({"error": -14020, "error_name": "Invalid refresh token"})
        self.refreshes += 1
        self.access_token = f"access-{self.refreshes + 1}"
        self.refresh_token = f"refresh-{self.refreshes + 1}"
        return web.json_response({"access_token": self.access_token, "refresh_token": self.refresh_token,
                                  "expires_in": "90000"})

    async def image(self, request: web.Request) -> web.Response:
        return web.Response(body=jpeg(), content_type="image/jpeg")

    def message_ids(self, user_id: str) -> list[str]:
        return [f"m{i + 1}" for i, s in enumerate(self.sends) if s["recipient"].get("user_id") == user_id]

    # --- what Zalo posts to us ---
    def receipt(self, event_name: str, user_id: str, msg_ids: list[str]) -> dict[str, Any]:
        """user_received_message (one msg_id) or user_seen_message (msg_ids[]): from the OA's side."""
        message: dict[str, Any] = ({"msg_id": msg_ids[0]} if event_name == "user_received_message"
                                   else {"msg_ids": msg_ids})
        return {"app_id": self.app_id, "event_name": event_name, "timestamp": str(int(time.time() * 1000)),
                "sender": {"id": "oa1"}, "recipient": {"id": user_id}, "message": message}

    def event(self, event_name: str, user_id: str, msg_id: str | None = None, **message: Any) -> dict[str, Any]:
        if event_name.startswith(("user_send_", "anonymous_send_", "follow", "user_submit_info")):
            self.last_interaction[user_id] = time.time()
        event: dict[str, Any] = {
            "app_id": self.app_id, "user_id_by_app": "999" + user_id, "event_name": event_name,
            "timestamp": str(int(time.time() * 1000)), "sender": {"id": user_id}, "recipient": {"id": "oa1"},
        }
        if msg_id is not None:
            event["message"] = {"msg_id": msg_id, **message}
        return event

    def sign(self, event: dict[str, Any]) -> tuple[bytes, dict[str, str]]:
        raw = json.dumps(event, ensure_ascii=False).encode()
        mac = hashlib.sha256(event["app_id"].encode() + raw + event["timestamp"].encode()
                             + self.oa_secret.encode()).hexdigest()
        return raw, {"X-ZEvent-Signature": f"mac={mac}", "Content-Type": "application/json"}


# ---------------------------------------------------------------- Telegram

@dataclass
class TelegramStandIn(Server):
    token: str = "123:ABC"
    updates: list[dict[str, Any]] = field(default_factory=list)
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    files: dict[str, bytes] = field(default_factory=dict)
    faults: list[str] = field(default_factory=list)  # next sendMessage calls: "5xx", "blocked"
    downloads: int = 0
    # A crash mid-send (as ZaloStandIn): sendMessage calls after the first `stall_after` are
    # accepted but their answers held until `unstall()`.
    stall_after: int | None = None
    stalled: int = 0
    _next_update: int = 1
    confirmed: int = 0  # like Telegram: getUpdates with offset N confirms every update before N
    _message_id: int = 1000

    def __post_init__(self) -> None:
        Server.__init__(self)
        self.new_update = asyncio.Event()
        self.unstalled = asyncio.Event()
        self.app.router.add_route("*", "/bot{token}/{method}", self.api)
        self.app.router.add_get("/file/bot{token}/{path:.*}", self.download)

    def called(self, method: str) -> list[dict[str, Any]]:
        return [params for m, params in self.calls if m.lower() == method.lower()]

    def sent_texts(self) -> list[str]:
        return [p.get("text", "") for p in self.called("sendMessage")]

    def push(self, message: dict[str, Any] | None = None, callback_query: dict[str, Any] | None = None) -> int:
        update_id = self._next_update
        self._next_update += 1
        update: dict[str, Any] = {"update_id": update_id}
        if message is not None:
            self._message_id += 1
            update["message"] = {"message_id": self._message_id, "date": int(time.time()),
                                 "chat": {"id": 777, "type": "private"},
                                 "from": {"id": 777, "is_bot": False, "first_name": "Lan", "language_code": "vi"},
                                 **message}
        if callback_query is not None:
            update["callback_query"] = callback_query
        self.updates.append(update)
        self.new_update.set()
        return update_id

    async def _params(self, request: web.Request) -> dict[str, Any]:
        if request.content_type == "application/json":
            return dict(await request.json())
        form = await request.post()
        return {k: (v if isinstance(v, str) else "<file>") for k, v in form.items()}

    def _message(self, params: dict[str, Any]) -> dict[str, Any]:
        self._message_id += 1
        return {"message_id": self._message_id, "date": int(time.time()),
                "chat": {"id": int(params.get("chat_id", 777)), "type": "private"},
                "from": {"id": 123, "is_bot": True, "first_name": "PhanAnh"}, "text": params.get("text", "")}

    async def api(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.json_response({"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401)
        method = request.match_info["method"]
        params = await self._params(request)
        if method != "getUpdates":
            self.calls.append((method, params))
        if method == "getMe":
            return self.ok({"id": 123, "is_bot": True, "first_name": "PhanAnh", "username": "phananh_bot"})
        if method == "getUpdates":
            offset = int(params.get("offset", 0) or 0)
            self.confirmed = max(self.confirmed, offset - 1)
            timeout = min(float(params.get("timeout", 0) or 0), 1.0)
            pending = [u for u in self.updates if u["update_id"] > self.confirmed]
            if not pending and timeout:
                self.new_update.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.new_update.wait(), timeout)
                pending = [u for u in self.updates if u["update_id"] > self.confirmed]
            return self.ok(pending)
        if method == "sendMessage" and self.faults:
            fault = self.faults.pop(0)
            self.calls.pop()  # refused: not sent
            if fault == "blocked":
                return web.json_response({"ok": False, "error_code": 403,
                                          "description": "Forbidden: bot was blocked by the user"}, status=403)
            return web.json_response({"ok": False, "error_code": 502, "description": "Bad Gateway"}, status=502)
        if method in ("sendMessage", "sendPhoto"):
            message = self._message(params)
            if method == "sendMessage" and self.stall_after is not None \
                    and len(self.called("sendMessage")) > self.stall_after:
                self.stalled += 1
                await self.unstalled.wait()
            return self.ok(message)
        if method == "getFile":
            file_id = params["file_id"]
            return self.ok({"file_id": file_id, "file_unique_id": "u" + file_id,
                            "file_size": len(self.files.get(file_id, b"")), "file_path": f"photos/{file_id}.jpg"})
        return self.ok(True)  # setMyCommands, deleteWebhook, answerCallbackQuery, ...

    def unstall(self) -> None:
        self.stall_after = None
        self.unstalled.set()

    def chat_texts(self) -> list[tuple[str, str]]:
        """(chat id, text) of every message sent."""
        return [(str(p.get("chat_id")), p.get("text", "")) for p in self.called("sendMessage")]

    async def download(self, request: web.Request) -> web.Response:
        self.downloads += 1
        file_id = request.match_info["path"].split("/")[-1].removesuffix(".jpg")
        return web.Response(body=self.files.get(file_id, b""), content_type="application/octet-stream")

    @staticmethod
    def ok(result: Any) -> web.Response:
        return web.json_response({"ok": True, "result": result})
