"""Authentication shared by every service: who is the viewer of this request?

Access tokens are RS256 JWTs issued by the auth service. Every service verifies them
locally — signature against the public key named by the token's `kid`, expiry, issuer,
token type, and revocation in the token cache — without asking the auth database. Views,
resolvers and consumers only call `viewer_from_request` / `require_viewer`.
"""
