# iosemu as a container image: one router per container (`iosemu device`),
# for containerlab and clabernetes (examples/containerlab/).
#
#   docker build -t iosemu:latest .
#   docker run --rm -v "$PWD/examples/containerlab/seed/root-ca:/config:ro" \
#     --sysctl net.ipv4.ip_unprivileged_port_start=0 iosemu:latest
#
# The image is a static binary on scratch, run as an unprivileged user. The
# router listens on 22, 23 and 80 inside its own network namespace: Docker
# 20.10 and later let any user bind low ports there (the sysctl above is
# their default); elsewhere pass it, or add NET_BIND_SERVICE, or choose
# ports above 1023 (--ssh-port …).

FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/iosemu ./cmd/iosemu \
 && mkdir -p /out/state

FROM scratch
COPY --from=build /out/iosemu /iosemu
# The state dir (nvram, host keys, clock) and the FTP service's root, owned
# by the user the router runs as.
COPY --from=build --chown=65532:65532 /out/state /var/lib/iosemu
WORKDIR /var/lib/iosemu
USER 65532:65532
EXPOSE 22 23 80
ENTRYPOINT ["/iosemu", "device"]
CMD ["--dir", "/config"]
