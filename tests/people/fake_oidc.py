"""A small OpenID Connect provider that runs inside the test process, on this machine only.

It plays an agency's identity provider (as Microsoft Entra ID would): a discovery
document, its signing key as a JWKS (a freshly generated RSA key), an authorize endpoint
that "signs in" whoever the test says and redirects back with a code, a token endpoint
that checks the client secret, the redirect address and the PKCE verifier against the
challenge before returning an ID token signed with that key, and a userinfo endpoint.
Never the internet: a ThreadingHTTPServer on 127.0.0.1, on a port of the system's choice.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlparse

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

CLIENT_ID = "rpd-test-client"
CLIENT_SECRET = "a-test-secret-not-a-real-one"
KEY_ID = "fake-key-1"


class FakeProvider:
    def __init__(self) -> None:
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.server.fake = self
        self.issuer = f"http://127.0.0.1:{self.server.server_address[1]}"
        # Who the next sign-in at the authorize endpoint is, as ID token claims.
        self.claims: dict = {}
        self.deny = False  # answer the authorize request with error=access_denied
        self.codes: dict[str, dict] = {}
        self.access_tokens: dict[str, dict] = {}
        self.authorize_requests: list[dict] = []
        self.token_requests: list[dict] = []
        self.refusals: list[str] = []  # why the token endpoint said no, for assertions
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> FakeProvider:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def sign_in_as(self, email: str, *, sub: str | None = None, **claims) -> None:
        self.claims = {"sub": sub or f"sub-{email}", "email": email, **claims}

    # The documents.

    def discovery(self) -> dict:
        return {
            "issuer": self.issuer,
            "authorization_endpoint": f"{self.issuer}/authorize",
            "token_endpoint": f"{self.issuer}/token",
            "userinfo_endpoint": f"{self.issuer}/userinfo",
            "jwks_uri": f"{self.issuer}/keys",
            "response_types_supported": ["code"],
            "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "scopes_supported": ["openid", "email", "profile"],
            "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
            "code_challenge_methods_supported": ["S256"],
        }

    def jwks(self) -> dict:
        jwk = json.loads(RSAAlgorithm.to_jwk(self.key.public_key()))
        return {"keys": [{**jwk, "kid": KEY_ID, "use": "sig", "alg": "RS256"}]}

    def id_token(self, claims: dict) -> str:
        now = int(time.time())
        payload = {"iss": self.issuer, "aud": CLIENT_ID, "iat": now, "exp": now + 300, **claims}
        return jwt.encode(payload, self.key, algorithm="RS256", headers={"kid": KEY_ID})

    # The endpoints.

    def authorize(self, query: dict) -> tuple[int, dict]:
        self.authorize_requests.append(query)
        redirect_uri = query.get("redirect_uri", "")
        back = {"state": query.get("state", "")}
        if self.deny:
            return 302, {
                "Location": f"{redirect_uri}?{urlencode({**back, 'error': 'access_denied'})}"
            }
        if (
            query.get("client_id") != CLIENT_ID
            or query.get("response_type") != "code"
            or "openid" not in query.get("scope", "").split()
            or query.get("code_challenge_method") != "S256"
            or not query.get("code_challenge")
        ):
            return 400, {}
        code = secrets.token_urlsafe(16)
        self.codes[code] = {
            "challenge": query["code_challenge"],
            "redirect_uri": redirect_uri,
            "claims": dict(self.claims),
        }
        return 302, {"Location": f"{redirect_uri}?{urlencode({**back, 'code': code})}"}

    def token(self, form: dict, authorization: str) -> tuple[int, dict]:
        self.token_requests.append(form)
        client_id, client_secret = form.get("client_id"), form.get("client_secret")
        if authorization.startswith("Basic "):
            client_id, _, client_secret = (
                base64.b64decode(authorization[6:]).decode().partition(":")
            )
        grant = self.codes.pop(form.get("code", ""), None)  # a code works once
        verifier = form.get("code_verifier", "")
        challenge = (
            base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
            .rstrip(b"=")
            .decode()
        )
        for wrong, why in (
            (client_id != CLIENT_ID or client_secret != CLIENT_SECRET, "invalid_client"),
            (grant is None, "invalid_grant: unknown or used code"),
            (grant and form.get("redirect_uri") != grant["redirect_uri"], "invalid_grant: uri"),
            (grant and (not verifier or challenge != grant["challenge"]), "invalid_grant: pkce"),
        ):
            if wrong:
                self.refusals.append(why)
                return 400, {"error": why.split(":")[0]}
        access_token = secrets.token_urlsafe(16)
        self.access_tokens[access_token] = grant["claims"]
        return 200, {
            "access_token": access_token,
            "token_type": "Bearer",
            "expires_in": 300,
            "id_token": self.id_token(grant["claims"]),
        }

    def userinfo(self, authorization: str) -> tuple[int, dict]:
        claims = self.access_tokens.get(authorization.removeprefix("Bearer "))
        if claims is None:
            return 401, {"error": "invalid_token"}
        return 200, {k: v for k, v in claims.items() if k in ("sub", "email", "name")}


class _Handler(BaseHTTPRequestHandler):
    def log_message(self, *args) -> None:  # quiet
        pass

    def _send(self, status: int, body: dict | None = None, headers: dict | None = None):
        data = json.dumps(body).encode() if body is not None else b""
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        fake: FakeProvider = self.server.fake
        url = urlparse(self.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        if url.path == "/.well-known/openid-configuration":
            self._send(200, fake.discovery())
        elif url.path == "/keys":
            self._send(200, fake.jwks())
        elif url.path == "/authorize":
            status, headers = fake.authorize(query)
            self._send(status, None, headers)
        elif url.path == "/userinfo":
            self._send(*fake.userinfo(self.headers.get("Authorization", "")))
        else:
            self._send(404, {"error": "not_found"})

    def do_POST(self) -> None:
        fake: FakeProvider = self.server.fake
        length = int(self.headers.get("Content-Length") or 0)
        form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
        if urlparse(self.path).path == "/token":
            self._send(*fake.token(form, self.headers.get("Authorization", "")))
        else:
            self._send(404, {"error": "not_found"})
