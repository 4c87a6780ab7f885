# Build: docker build -t pecbot .
# Run:   docker run --rm -it pecbot console
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /pecbot ./cmd/pecbot

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /pecbot /pecbot
USER nonroot
ENTRYPOINT ["/pecbot"]
CMD ["--help"]
