# syntax=docker/dockerfile:1
#
# The image tasque/tasque: Tasque's single executable (scripts/build-binary.mjs)
# on debian:12-slim, started by tini as the non-root user tasque (uid 10001).
#
# Build it on an x86-64 machine, or with `--platform linux/amd64` elsewhere,
# because the executable is built for Linux x64:
#   docker build -t tasque/tasque:0.1.0 \
#     --build-arg VERSION=0.1.0 --build-arg REVISION="$(git rev-parse HEAD)" \
#     --build-arg CREATED="$(date -u +%Y-%m-%dT%H:%M:%SZ)" .
#
# Run it beside the host's Docker socket, each task in a sibling container.
# The user tasque needs the socket's group (or run with --user root):
#   docker run --group-add "$(stat -c %g /var/run/docker.sock)" \
#     -v /var/run/docker.sock:/var/run/docker.sock \
#     -e DOCKER=true -e DEPLOY_METHOD=DOCKER -e DOCKER_TASK_DEFINITION=... \
#     -e TASK_QUEUE_URL=... tasque/tasque:0.1.0
#
# Copy the executable into a job image based on glibc 2.28 or newer:
#   COPY --from=tasque/tasque:0.1.0 /usr/local/bin/tasque /usr/local/bin/tasque
#
# `npm run build:image` builds a test image with the same layout, user,
# environment and entry point without a registry (scripts/build-image.sh).

# The executable contains this Node.js; the official images carry the
# official builds, which support single executable applications.
ARG NODE_VERSION=20.20.2

FROM node:${NODE_VERSION}-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
# The bundle needs no install script: esbuild's binary comes in its
# platform package, and the native add-ons that scripts would build are
# replaced in the bundle.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json ./
COPY scripts/build-binary.mjs scripts/
COPY src src/
RUN node scripts/build-binary.mjs

FROM debian:12-slim
ARG VERSION=dev
ARG REVISION=unknown
ARG CREATED=unknown

RUN apt-get update \
    && apt-get install -y --no-install-recommends tini \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --gid 10001 tasque \
    && useradd --uid 10001 --gid tasque --create-home --home-dir /home/tasque --shell /usr/sbin/nologin tasque

COPY --from=build /src/dist/tasque /usr/local/bin/tasque
COPY --from=build /src/dist/tasque.licenses.txt /usr/share/doc/tasque/licenses.txt

# Jobs get 8 s to finish after a stop signal, so that Tasque reports their
# outcome before `docker stop` sends SIGKILL after its default 10 s. Raise
# it together with `docker run --stop-timeout` or ECS's stopTimeout.
ENV TASK_SHUTDOWN_GRACE=8s
USER tasque
WORKDIR /home/tasque

# tini reaps orphaned processes, which Node.js as PID 1 does not, and passes
# signals on to Tasque. With -s it also reaps when it is not PID 1, as under
# `docker run --init`, where it would otherwise print a warning.
ENTRYPOINT ["tini", "-s", "--", "tasque"]
CMD ["--help"]

LABEL org.opencontainers.image.title="tasque" \
      org.opencontainers.image.description="Turn any program into a worker for AWS SQS queues and Step Functions activities" \
      org.opencontainers.image.licenses="MIT" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.created="${CREATED}" \
      org.opencontainers.image.base.name="docker.io/library/debian:12-slim"
