# credentials-mcp: Streamable HTTP on :9090 by default, or stdio for desktop MCP clients.
#   docker build -t credentials-mcp .
#   docker run --rm -p 127.0.0.1:9090:9090 -e CREDENTIALS_MCP_AUTH_TOKENS=change-me \
#     -e SCW_SECRET_KEY -e SCW_DEFAULT_REGION -e PLANETSCALE_SERVICE_TOKEN_ID \
#     -e PLANETSCALE_SERVICE_TOKEN -e PLANETSCALE_ORG credentials-mcp
#   docker run -i --rm -e SCW_SECRET_KEY credentials-mcp stdio
# scripts/image.sh builds and checks it with podman (as CI does).

FROM debian:12-slim AS build
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      build-essential cmake pkg-config ca-certificates \
      libboost1.81-dev libboost-json1.81-dev libcpp-httplib-dev libspdlog-dev libssl-dev \
      libvalijson-dev libcjose-dev libjansson-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY CMakeLists.txt ./
COPY cmake cmake
COPY server server
COPY tools tools
COPY schemas schemas
# OFF for anyone building the image; CI builds it with ON to prove the Release build is
# warning-free.
ARG CMCP_WERROR=OFF
RUN cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DCMCP_BUILD_TESTS=OFF -DCMCP_WERROR=${CMCP_WERROR} \
 && cmake --build build -j"$(nproc)" --target credentials-mcp \
 && strip build/credentials-mcp

FROM debian:12-slim
# Exactly the packages of the shared libraries the binary links (scripts/image.sh checks this
# list against ldd inside the image), and the CA certificates that TLS to the vendors needs.
ARG RUNTIME_PACKAGES="ca-certificates libboost-json1.81.0 libcpp-httplib0.11 libspdlog1.10 libfmt9 libssl3 libcjose0 libjansson4"
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ${RUNTIME_PACKAGES} \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/* /var/log/* \
 && useradd --system --uid 10001 --no-create-home --shell /usr/sbin/nologin mcp
COPY --from=build /src/build/credentials-mcp /usr/local/bin/credentials-mcp
USER 10001:10001
EXPOSE 9090
# Listening beyond loopback needs bearer tokens (CREDENTIALS_MCP_AUTH_TOKENS or
# --auth-token-file); without them the server refuses to start and says so.
# Requests must carry a Host of localhost / 127.0.0.1 unless --allowed-hosts says otherwise.
# SIGTERM drains (--drain-seconds, off unless set) and stops within --shutdown-grace.
STOPSIGNAL SIGTERM
ENTRYPOINT ["credentials-mcp"]
CMD ["http", "--listen", "0.0.0.0:9090"]
