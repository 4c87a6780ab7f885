# The pecbot image: one static binary on distroless, as a non-root user.
#
# Build: docker build -t pecbot .
# Try:   docker run --rm -it pecbot console
# Run:   docker run -d --env-file deploy/.env pecbot   (no arguments: the bot on Telegram)
#        or, with Redis: cd deploy && docker compose up -d   (see docs/deploy.md)

ARG GO_VERSION=1.26

# Build on the builder's own platform and cross-compile for the target's
# (docker buildx build --platform linux/arm64 ...): no emulation needed.
FROM --platform=$BUILDPLATFORM golang:${GO_VERSION} AS build
WORKDIR /src
# The modules first, in their own layer: a change to the code alone does
# not download them again.
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG TARGETOS
ARG TARGETARCH
# CGO_ENABLED=0: a static binary that needs no libc, so that it runs on
# distroless/static. The zone database (Europe/Rome) is inside it:
# cmd/pecbot/main.go imports time/tzdata, so no /usr/share/zoneinfo is needed.
RUN CGO_ENABLED=0 GOOS=${TARGETOS:-linux} GOARCH=${TARGETARCH} \
    go build -trimpath -ldflags="-s -w" -o /out/pecbot ./cmd/pecbot

# distroless/static: CA certificates (for api.telegram.org and rediss://),
# /etc/passwd with the nonroot user, no shell, no package manager (a few MB).
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/pecbot /pecbot
# nonroot (65532), numerically, so that a runtime can check it is not root
# (Kubernetes' runAsNonRoot) without reading /etc/passwd.
USER 65532:65532
# LISTEN_ADDR (default :8080): the webhook in webhook mode, and GET
# /healthz, GET /readyz and GET /metrics. Not to be published as it is:
# in front of it a proxy forwards the webhook's path only (deploy/Caddyfile).
EXPOSE 8080
# The image has no shell nor curl: the health check is the binary itself,
# `pecbot healthcheck` (GET /readyz on LISTEN_ADDR's port; exit 0 or 1).
# It is declared in deploy/docker-compose.yml rather than here, so that
# `docker run ... console` is not checked for a server it does not start.
ENTRYPOINT ["/pecbot"]
# No arguments: the bot on Telegram (TELEGRAM_TOKEN must be set). Other
# commands replace this: `docker run --rm -it pecbot console`, `... --help`.
CMD []
