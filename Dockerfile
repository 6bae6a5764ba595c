# syntax=docker/dockerfile:1
# The Taynghe web and worker image: gunicorn serves config.wsgi; the same image runs
# `celery -A config worker`, `manage.py db_worker` and `manage.py migrate` (compose.yaml).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONPATH=/app \
    DJANGO_SETTINGS_MODULE=config.settings.production \
    TAYNGHE_VAR_DIR=/var/lib/taynghe

# ffmpeg probes and transcodes uploaded media; gettext compiles the translations.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends ffmpeg gettext \
    && rm -rf /var/lib/apt/lists/*

RUN groupadd --system --gid 10001 taynghe \
    && useradd --system --uid 10001 --gid taynghe --home-dir /app --no-create-home \
       --shell /usr/sbin/nologin taynghe

WORKDIR /app
COPY . /app
# The project itself, with the extra for the Elasticsearch search backend; its
# dependencies' versions are bounded in pyproject.toml.
# hadolint ignore=DL3013
RUN --mount=type=cache,target=/root/.cache/pip \
    pip install ".[elasticsearch]"

# scorm-again (the SCORM runtime of the courseware launcher) from package-lock.json, with
# Node borrowed from its official image for this step only; its two runtimes become static
# files exactly as `make node-packages` copies them.
RUN --mount=type=bind,from=node:22-bookworm-slim,source=/usr/local,target=/opt/node \
    PATH="/opt/node/bin:$PATH" npm ci --omit=dev --no-audit --no-fund \
    && mkdir -p courseware/static/courseware/vendor \
    && cp node_modules/scorm-again/dist/scorm12.min.js node_modules/scorm-again/dist/scorm12.min.js.map \
          node_modules/scorm-again/dist/scorm2004.min.js node_modules/scorm-again/dist/scorm2004.min.js.map \
          courseware/static/courseware/vendor/ \
    && rm -rf node_modules

# Translations and static files are built into the image. Production settings refuse
# to load without a secret, so this RUN alone gets a throwaway one; it is not in ENV
# and never reaches a running container.
RUN DJANGO_SECRET_KEY="build-only-$(python -c 'import secrets; print(secrets.token_urlsafe(48))')" \
    DJANGO_ALLOWED_HOSTS=build.invalid \
    sh -c 'python manage.py compilemessages --ignore=.venv --ignore=node_modules -v0 && python manage.py collectstatic --noinput -v0' \
    && mkdir -p /var/lib/taynghe/files \
    && chown taynghe:taynghe /var/lib/taynghe /var/lib/taynghe/files

USER 10001:10001
EXPOSE 8000

HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-m", "config.healthcheck", "8000"]

# TLS ends at the load balancer, which sets X-Forwarded-Proto (SECURE_PROXY_SSL_HEADER).
CMD ["gunicorn", "config.wsgi", "--config", "python:config.gunicorn", "--bind", "0.0.0.0:8000", "--workers", "4", "--access-logfile", "-"]
