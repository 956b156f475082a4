# Digibot container image: static binary on distroless, non-root.
# Build: docker build -t digibot:$(git describe --always) .
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
# No cgo: a static binary; the time zone database is embedded (time/tzdata).
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/digibot ./cmd/digibot \
 && mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/digibot /digibot
# Owned by the distroless nonroot user (65532) so the embedded store can write.
COPY --from=build --chown=65532:65532 /out/data /data
# The embedded store needs a writable directory; mount a volume here or use Redis.
ENV DIGIBOT_DATA_DIR=/data DIGIBOT_ADDR=:3978
VOLUME ["/data"]
EXPOSE 3978
USER nonroot:nonroot
ENTRYPOINT ["/digibot"]
CMD ["serve"]
