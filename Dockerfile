FROM python:3.11-slim-bookworm
ENV PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1 UV_PROJECT_ENVIRONMENT=/opt/venv PATH=/opt/venv/bin:$PATH
RUN apt-get update && apt-get install -y --no-install-recommends tesseract-ocr tesseract-ocr-deu tesseract-ocr-eng fonts-ocr-b \
        fonts-noto-mono fonts-inconsolata fonts-jetbrains-mono fonts-go fonts-courier-prime fonts-firacode \
        gettext make nodejs npm libgl1 libglib2.0-0 && rm -rf /var/lib/apt/lists/* && pip install --no-cache-dir uv
WORKDIR /app
COPY pyproject.toml uv.lock package.json package-lock.json ./
RUN uv sync --frozen --no-dev && npm ci --no-audit --no-fund
COPY . .
# The key below only exists during the build (collectstatic needs settings); the container gets its own.
RUN make assets && python manage.py compilemessages -v0 --ignore=node_modules \
    && DJANGO_ENV=production SECRET_KEY=build-time-only-key-never-used-at-run-time-0123456789 \
       SITE_URL=https://build.invalid \
       python manage.py collectstatic --noinput -v0
RUN useradd --create-home wsa && mkdir -p /app/var && chown -R wsa /app/var
USER wsa
EXPOSE 8000
CMD ["gunicorn", "wsa.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--threads", "4"]
