# syntax=docker/dockerfile:1
# The image every generated manifest runs: `bertha serve`, and each Argo Workflows step.
# Build: docker build -t ghcr.io/bertha-llmops/bertha:0.1.0 .

# --- build: the same toolchain and Debian release as development (Swift 6.3.1, bookworm)
FROM swift:6.3.1-bookworm AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends libarchive-dev libcurl4-openssl-dev libxml2-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# Dependencies first, so source edits don't refetch them.
COPY Package.swift Package.resolved* ./
RUN swift package resolve
COPY Sources ./Sources
COPY Tests ./Tests
# The Swift runtime is linked statically: the runtime stage needs no toolchain libraries.
RUN swift build -c release --product bertha --static-swift-stdlib \
 && install -D "$(swift build -c release --show-bin-path)/bertha" /out/bertha

# --- runtime: only the shared libraries `ldd bertha` lists beyond glibc
FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates libarchive13 libcurl4 libxml2 libstdc++6 \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --gid 10001 bertha \
 && useradd --uid 10001 --gid 10001 --no-create-home --home-dir /tmp --shell /usr/sbin/nologin bertha \
 && mkdir -p /etc/bertha /var/cache/bertha/models /var/lib/bertha /work \
 && chown bertha:bertha /var/cache/bertha/models /var/lib/bertha /work
COPY --from=build /out/bertha /usr/local/bin/bertha
USER 10001:10001
ENV HOME=/tmp
EXPOSE 8080
ENTRYPOINT ["bertha"]
CMD ["serve", "--config", "/etc/bertha/bertha.yaml"]
