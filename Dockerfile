# The image docker-compose.yml runs as web, worker and beat. CI does not build it (no Docker
# engine there); keep it in step with the Makefile by reading.

FROM node:20-bookworm-slim AS frontend
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error

FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 DJANGO_SETTINGS_MODULE=dgaweb.settings.production
WORKDIR /app
COPY requirements.txt ./
RUN pip install --no-cache-dir -r requirements.txt
COPY --from=frontend /app/node_modules ./node_modules
COPY . .
# collectstatic only reads files; the throw-away values satisfy the production settings' checks.
RUN pybabel compile --domain django --directory locale \
 && SECRET_KEY=build-only-$(python -c 'import secrets; print(secrets.token_urlsafe(60))') \
    DATABASE_URL=sqlite:////tmp/build.sqlite3 REDIS_URL=redis://build:6379/0 ALLOWED_HOSTS=build \
    python manage.py collectstatic --no-input \
 && useradd --create-home --uid 1000 dgaweb && mkdir -p /app/media && chown dgaweb /app/media
USER dgaweb
EXPOSE 8000
CMD ["gunicorn", "dgaweb.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
