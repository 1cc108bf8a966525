# syntax=docker/dockerfile:1

# Untested: no Docker engine runs on the machines this project is developed on.

# Build: with cgo (the code-quality analysis links tree-sitter's C parsers), on the Debian
# release the run stage uses, so the binary finds the same glibc; module and build caches kept
# between builds.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod \
    go mod download
COPY . .
ARG VERSION=dev
RUN --mount=type=cache,target=/go/pkg/mod \
    --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=1 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" \
      -o /out/interviewlm ./cmd/interviewlm

# Run: Debian with what the local sandbox driver needs (bubblewrap 0.8, util-linux's prlimit,
# tini), the languages candidates write in (python3, nodejs, esbuild, and Go below), CA
# certificates (for Judge0, the LLM endpoint, S3 and OAuth) and time zones. These are the
# packages .ci/ensure-sandbox and .ci/ensure-languages install for `make run`.
FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      ca-certificates tzdata \
      bubblewrap util-linux tini \
      python3 nodejs esbuild \
 && rm -rf /var/lib/apt/lists/*

# Go for candidates' Go code: the builder's toolchain, at /usr/local/go, where the sandbox runs it.
COPY --from=build /usr/local/go /usr/local/go

# The read-only Go standard-library build cache the sandbox binds for every Go build (without
# it a Go run takes ~11 s instead of ~0.3 s), prepared as .ci/ensure-languages prepares it:
# `go build std` with the sandbox's build environment, the stamp that names the toolchain (the
# server refuses Go runs without it), readable by the sandbox's user, and a fresh trim.txt.
# (.ci is outside the build context, see .dockerignore, so the commands are repeated here.)
ENV SANDBOX_GOCACHE=/var/cache/interviewlm/gocache
RUN set -eu; \
    export GOTOOLCHAIN=local GOPROXY=off GOFLAGS='' GOENV=off CGO_ENABLED=0 GOEXPERIMENT=''; \
    GO=/usr/local/go/bin/go; \
    mkdir -p "$(dirname "$SANDBOX_GOCACHE")"; \
    GOCACHE="$SANDBOX_GOCACHE" "$GO" build std; \
    printf '%s\n' "$("$GO" version) $("$GO" env GOROOT) CGO_ENABLED=0" > "$SANDBOX_GOCACHE/interviewlm-stamp"; \
    date +%s > "$SANDBOX_GOCACHE/trim.txt"; \
    chmod -R a+rX "$SANDBOX_GOCACHE"; \
    chmod 0755 "$SANDBOX_GOCACHE"

# Workspaces: every directory on the way must let the sandbox's uid 65534 pass (0711), and the
# path must be absolute.
RUN install -d -m 0711 /var/lib/interviewlm /var/lib/interviewlm/workspaces
ENV HTTP_ADDR=:8080 \
    WORKSPACE_DIR=/var/lib/interviewlm/workspaces

# cgroup v2 with a private cgroup namespace (Docker's default there) puts the container's
# processes in the namespace's root cgroup, and the kernel will not hand the memory and pids
# controllers down from a cgroup that holds processes. So, as docker:dind does, move them into
# a child cgroup first; then interviewlm can give each sandbox run a cgroup of its own. Nothing
# to do on cgroup v1, or where /sys/fs/cgroup is read-only (not privileged: the local driver
# then refuses to start and says why).
COPY --chmod=0755 <<'EOF' /usr/local/bin/interviewlm-entrypoint
#!/bin/sh
set -eu
cg=/sys/fs/cgroup
if [ -f "$cg/cgroup.controllers" ] && [ -w "$cg/cgroup.subtree_control" ] && [ -s "$cg/cgroup.procs" ]; then
  mkdir -p "$cg/init"
  xargs -rn1 < "$cg/cgroup.procs" > "$cg/init/cgroup.procs" 2>/dev/null || :
fi
# tini as PID 1 reaps whatever is orphaned in the container and forwards SIGTERM.
exec tini -- interviewlm "$@"
EOF

COPY --from=build /out/interviewlm /usr/local/bin/interviewlm

# Root, on purpose: the local sandbox driver (SANDBOX_DRIVER=local, the default) starts
# bubblewrap as the unprivileged uid 65534, which only root can switch to, and writes to
# /sys/fs/cgroup to give every run its own memory, process and CPU limits. The candidate's code
# itself runs as uid 65534 with no capabilities. With SANDBOX_DRIVER=judge0 or none the server
# needs neither: run the container as any user then (compose: `user: "65534:65534"`).
USER root
WORKDIR /var/lib/interviewlm
EXPOSE 8080
ENTRYPOINT ["interviewlm-entrypoint"]
CMD ["serve"]
