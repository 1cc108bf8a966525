# syntax=docker/dockerfile:1

# Build: a static binary, with the module and build caches kept between builds.
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod \
    go mod download
COPY . .
ARG VERSION=dev
RUN --mount=type=cache,target=/go/pkg/mod \
    --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" \
      -o /out/interviewlm ./cmd/interviewlm

# Run: a small Debian with CA certificates (for the LLM endpoint, S3 and OAuth) and time zones.
FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates tzdata \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --user-group --home-dir /var/lib/interviewlm --create-home \
      --shell /usr/sbin/nologin interviewlm
COPY --from=build /out/interviewlm /usr/local/bin/interviewlm
USER interviewlm:interviewlm
WORKDIR /var/lib/interviewlm
ENV HTTP_ADDR=:8080
EXPOSE 8080
ENTRYPOINT ["interviewlm"]
CMD ["serve"]
