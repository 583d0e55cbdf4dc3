# syntax=docker/dockerfile:1
# The one socialapp image. Every process of the system runs from it; only the command and
# SOCIALAPP_SERVICES differ: the web server (default CMD), `manage.py migrate`,
# `create_topics`, `relay_outbox`, `consume <service>` and the Celery worker.

ARG PYTHON_IMAGE=python:3.11-slim
ARG NODE_IMAGE=node:20-bookworm-slim
ARG WEB_SERVER_IMAGE=nginxinc/nginx-unprivileged:1.27-alpine

# --- web-build: the web client (web/, Vue + Vite) built with Node 20 ---------------------
# `docker build --target web -t socialapp-web .` makes the web client's image; the default
# target (the last stage, `runtime`) is the Python image.
FROM ${NODE_IMAGE} AS web-build
WORKDIR /src/web
COPY web/package.json web/package-lock.json ./
RUN --mount=type=cache,target=/root/.npm npm ci --no-audit --no-fund
COPY web/ ./
# `npm run build` first generates the typed operations from each service's committed SDL.
COPY docs/graphql /src/docs/graphql
RUN npm run build

# --- web: the built files behind nginx, unprivileged (user 101, port 8080) ---------------
FROM ${WEB_SERVER_IMAGE} AS web
COPY deploy/k8s/base/web/default.conf /etc/nginx/conf.d/default.conf
COPY --from=web-build /src/web/dist /usr/share/nginx/html

# --- build: resolve the locked dependencies into /app/.venv -----------------------------
FROM ${PYTHON_IMAGE} AS build

# uv comes from PyPI (pinned to the version the lock file was written with) rather than
# from a container registry, so the build needs nothing but PyPI and Debian.
ARG UV_VERSION=0.13.9
RUN pip install --no-cache-dir "uv==${UV_VERSION}"

ENV UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    UV_PYTHON=/usr/local/bin/python3.11 \
    UV_PROJECT_ENVIRONMENT=/app/.venv

WORKDIR /app
# Only the manifests: the dependency layer is rebuilt when the lock changes, not the code.
# (pyproject sets `package = false`, so the project itself is never built or installed.)
COPY pyproject.toml uv.lock ./
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --no-install-project

# --- runtime: the virtualenv and the code, owned by root, run by an unprivileged user ---
FROM ${PYTHON_IMAGE} AS runtime

ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PATH=/app/.venv/bin:$PATH \
    DJANGO_SETTINGS_MODULE=socialapp.settings \
    DATA_DIR=/app/var \
    HOME=/tmp

RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --home-dir /tmp --no-create-home \
       --shell /usr/sbin/nologin app

WORKDIR /app
COPY --from=build /app/.venv /app/.venv
COPY manage.py pyproject.toml ./
COPY socialapp ./socialapp
COPY apps ./apps
# The built web client: a process serving every service (the default command) serves it at /
# too (WEB_CLIENT_DIR, socialapp/web_client.py); the split layout leaves / to the `web` image.
COPY --from=web-build /src/web/dist ./web/dist
# Compile the code now: at run time the root filesystem may be read-only.
RUN python -m compileall -q socialapp apps \
    # DATA_DIR is only written in the embedded default (SQLite files, local media).
    && mkdir -p /app/var/jwt-keys && chown -R app:app /app/var

# A numeric user, so Kubernetes' runAsNonRoot can verify it without reading /etc/passwd.
USER 10001:10001

EXPOSE 8000

# /healthz never touches a dependency. Django checks the Host header on every request, so
# the probe names one that ALLOWED_HOSTS must contain (localhost).
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; r = urllib.request.urlopen(urllib.request.Request('http://127.0.0.1:8000/healthz', headers={'Host': 'localhost'}), timeout=4); sys.exit(r.status != 200)"]

# gunicorn supervises uvicorn workers (HTTP and WebSocket): the image alone serves every
# service. The auth, users and feed Deployments override it with the WSGI application in
# gunicorn's threaded worker, cheaper per request for HTTP-only services (ADR 0011).
# socialapp.asgi_worker.AsgiWorker is uvicorn's worker (the locked uvicorn 0.54 still ships it)
# without WebSocket per-message compression, which cost ~28 KB per open socket.
# Workers: WEB_CONCURRENCY (default 1; in Kubernetes scale pods, not workers, so that
# /metrics, which is per process, describes the whole pod). --keep-alive outlives the
# sidecar's idle timeout (60 s in the DestinationRules) so Envoy never reuses a connection
# the app has just closed. --no-control-socket: gunicorn would otherwise create a socket
# under $HOME, which is not writable on a read-only root filesystem.
CMD ["gunicorn", "socialapp.asgi:application", \
     "-k", "socialapp.asgi_worker.AsgiWorker", \
     "--bind", "0.0.0.0:8000", \
     "--keep-alive", "75", \
     "--graceful-timeout", "25", \
     "--no-control-socket"]
