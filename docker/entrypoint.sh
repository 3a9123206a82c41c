#!/bin/sh
# One image, one role per container (docker/compose.yml):
#   migrate  apply the migrations, as the tables' owner (MIGRATE_DATABASE_URL), then exit
#   web      gunicorn; never migrates (several web containers would race, and the app's own
#            role may not create tables)
#   worker   Celery worker, without beat (scale it out freely)
#   beat     Celery beat: run exactly one
#   anything else is run as given (`docker compose run web python manage.py verify_audit`)
set -eu

# prometheus-client's multiprocess mode writes its files there in any process that counts
# something, and fails if the directory is missing.
if [ -n "${PROMETHEUS_MULTIPROC_DIR:-}" ]; then
  mkdir -p "$PROMETHEUS_MULTIPROC_DIR"
fi

case "${1:-web}" in
  migrate)
    # The owner's URL for this one command; the app's processes connect as the app role.
    DATABASE_URL="${MIGRATE_DATABASE_URL:-${DATABASE_URL:-}}" \
      exec python manage.py migrate --noinput
    ;;
  web)
    # tracker/gunicorn_conf.py (as `make serve` uses it): with PROMETHEUS_MULTIPROC_DIR, the
    # metrics of every worker, the directory emptied at start; gunicorn's lines as JSON.
    exec gunicorn tracker.wsgi \
      -c python:tracker.gunicorn_conf \
      --bind 0.0.0.0:8000 \
      --workers "${WEB_CONCURRENCY:-2}" \
      --worker-tmp-dir /dev/shm \
      --control-socket /tmp/gunicorn.ctl
    ;;
  worker)
    # Its processes: CELERY_WORKER_CONCURRENCY (a setting; one per CPU by default).
    exec celery -A tracker worker --loglevel=INFO --without-gossip --without-mingle
    ;;
  beat)
    # The schedule's state is disposable: a restarted beat recomputes what is due.
    exec celery -A tracker beat --loglevel=INFO \
      --schedule /tmp/celerybeat-schedule
    ;;
  *)
    exec "$@"
    ;;
esac
