# Build stage: the Swift toolchain with the system SQLite and OpenSSL headers.
FROM swift:6.3-bookworm AS build
RUN apt-get update && apt-get install -y --no-install-recommends libsqlite3-dev libssl-dev pkg-config && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY Package.swift ./
COPY Sources ./Sources
COPY migrations ./migrations
RUN swift build -c release --product shipgate --static-swift-stdlib \
    && cp "$(swift build -c release --show-bin-path)/shipgate" /usr/local/bin/shipgate

# Runtime stage: the binary (migrations are embedded), the static assets read-only, a non-root user.
FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends libsqlite3-0 libssl3 ca-certificates curl \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home-dir /data shipgate \
    && mkdir -p /data && chown shipgate /data
COPY --from=build /usr/local/bin/shipgate /usr/local/bin/shipgate
COPY Public /app/Public
RUN chmod -R a-w /app/Public
USER 10001
WORKDIR /data
ENV SHIPGATE_DB=/data/shipgate.db \
    SHIPGATE_LISTEN=0.0.0.0:8080 \
    SHIPGATE_PUBLIC_DIR=/app/Public \
    SHIPGATE_LOG_FORMAT=json
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --retries=3 CMD curl -fsS http://127.0.0.1:8080/readyz || exit 1
ENTRYPOINT ["/usr/local/bin/shipgate"]
CMD ["serve"]
