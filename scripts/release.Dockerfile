# The release container image: keyreach's static (musl) binary and nothing else. release.yml
# builds it for linux/amd64 and linux/arm64 from the context that
# `scripts/release.sh image-context` lays out (amd64/keyreach, arm64/keyreach), so the image
# holds the very binaries of the release archives. Probes need no CA file: keyreach carries
# its own root certificates.
#
#   docker run --rm -v "$PWD:/src" ghcr.io/keyreach/keyreach scan .
FROM scratch
ARG TARGETARCH
COPY --chmod=0755 ${TARGETARCH}/keyreach /usr/local/bin/keyreach
WORKDIR /src
ENTRYPOINT ["/usr/local/bin/keyreach"]
CMD ["scan", "."]
