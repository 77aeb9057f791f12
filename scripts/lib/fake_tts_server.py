#!/usr/bin/env python3
"""A deliberately broken Text to Speech service, for scripts/reliability's bad-input cases.

    python3 scripts/lib/fake_tts_server.py MODE

Binds 127.0.0.1 on a free port, prints its URL as the first stdout line, and answers
GET /v1/customizations (the list) and GET /v1/customizations/{id} (one model) with the garbage MODE names:

    malformed-list     the list is not JSON
    truncated-model    the list is fine; the model's JSON is cut in half (Content-Length matches the cut)
    html-502           the list is a 502 text/html page (a proxy's error page)
    html-503           the list is a 503 text/html page, no Retry-After
    entries-20001      one model holding 20,001 entries (the service's limit is 20,000)
    long-word          one model with a 50-character word (limit 49)
    long-translation   one model with a 500-character translation (limit 499)
    wrong-id           the model's answer names another customization_id than the one asked for
    no-words           the model's answer has no `words` key
    null-words         the model's answer has `words: null`
    empty-words        the model's answer has `words: []` (a real empty model: not garbage, the control case)
    long-name          one model named with 257 characters (limit 256)
    long-description   one model with a 129-character description (limit 128)
    empty-id           the list names a model whose customization_id is ""
    non-guid-id        the list names a model whose customization_id is "my-model" (not a GUID)
    oversized-model    the list is fine; the model's answer streams on (chunked, no Content-Length) past 64 MiB
    control-characters one model whose name, description, words, translations and part of speech hold ESC, BEL,
                       CR, LF, NUL, DEL, C1, U+2028 and a bidi override (the service's JSON escapes them)

Any other path or method gets a service-shaped 404. Runs until killed.
"""
import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MODEL_ID = "0b6a1c44-6f2e-4c1e-9b7a-2f6d3c1e5a10"
OTHER_ID = "0b6a1c44-6f2e-4c1e-9b7a-2f6d3c1e5a11"
HTML_PAGE = (
    "<html>\r\n<head><title>{code} {reason}</title></head>\r\n<body>\r\n"
    "<center><h1>{code} {reason}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
)


CONTROL_TEXT = "a\x1b[31mred\x07\r\nb\x00c\x7fd\x9be\u2028f\u202eg"


def model_id(mode):
    return {"empty-id": "", "non-guid-id": "my-model"}.get(mode, MODEL_ID)


def model(words, mode=""):
    m = {
        "customization_id": model_id(mode),
        "name": "N" * 257 if mode == "long-name" else CONTROL_TEXT if mode == "control-characters" else "Reliability fixture",
        "language": "en-US",
        "owner": "fake",
        "created": "2026-11-01T00:00:00.000Z",
        "last_modified": "2026-11-01T00:00:00.000Z",
        "description": "d" * 129 if mode == "long-description" else "d" + CONTROL_TEXT if mode == "control-characters" else "",
        "words": words,
        "prompts": [],
    }
    if mode == "no-words":
        del m["words"]
    elif mode == "null-words":
        m["words"] = None
    elif mode == "empty-words":
        m["words"] = []
    return m


def words_for(mode):
    if mode == "entries-20001":
        return [{"word": f"W{i:05d}", "translation": f"word {i}"} for i in range(20_001)]
    if mode == "long-word":
        return [{"word": "A" * 50, "translation": "too long"}, {"word": "IEEE", "translation": "I triple E"}]
    if mode == "long-translation":
        return [{"word": "IEEE", "translation": "x" * 500}]
    if mode == "control-characters":
        return [{"word": "IEEE", "translation": "I triple E"},
                {"word": "w" + CONTROL_TEXT, "translation": "t" + CONTROL_TEXT, "part_of_speech": "Noun\x1b"}]
    return [{"word": "IEEE", "translation": "I triple E"}, {"word": "NCAA", "translation": "N C double A"}]


class Handler(BaseHTTPRequestHandler):
    mode = "malformed-list"
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):  # quiet: the driver reads only the first stdout line
        pass

    def send(self, status, body, content_type="application/json"):
        data = body.encode() if isinstance(body, str) else body
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("X-Global-Transaction-Id", "fake-0001")
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        path = self.path.split("?", 1)[0]
        tail = path[path.find("/v1/"):] if "/v1/" in path else path
        full = model(words_for(self.mode), self.mode)
        summary = {k: v for k, v in full.items() if k not in ("words", "prompts")}
        if tail == "/v1/customizations":
            if self.mode == "malformed-list":
                return self.send(200, '{"customizations": [{"customization_id": "' + MODEL_ID + '", name: }')
            if self.mode.startswith("html-"):
                code = int(self.mode[5:])
                reason = {502: "Bad Gateway", 503: "Service Temporarily Unavailable"}[code]
                return self.send(code, HTML_PAGE.format(code=code, reason=reason), "text/html")
            return self.send(200, json.dumps({"customizations": [summary]}))
        if tail == f"/v1/customizations/{model_id(self.mode)}":
            if self.mode == "wrong-id":
                full["customization_id"] = OTHER_ID
            body = json.dumps(full)
            if self.mode == "truncated-model":
                body = body[: len(body) // 2]
            if self.mode == "oversized-model":
                return self.stream_forever()
            return self.send(200, body)
        self.send(404, json.dumps({"code": 404, "code_description": "Not Found", "error": "No such resource."}))

    def stream_forever(self):
        """A JSON answer that never ends, in 1 MiB chunks, until the client hangs up (or 96 MiB)."""
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        chunk = b" " * (1 << 20)
        try:
            self.wfile.write(b"%x\r\n{\r\n" % 1)
            for _ in range(96):
                self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            self.wfile.write(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass
        self.close_connection = True

    def do_POST(self):
        self.send(404, json.dumps({"code": 404, "code_description": "Not Found", "error": "No such resource."}))


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    Handler.mode = sys.argv[1]
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    print(f"http://127.0.0.1:{server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
