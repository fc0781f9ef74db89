# credentials-mcp: Streamable HTTP on :9090 by default.
#   docker build -t credentials-mcp .
#   docker run --rm -p 127.0.0.1:9090:9090 -e CREDENTIALS_MCP_AUTH_TOKENS=change-me \
#     -e SCW_SECRET_KEY -e SCW_DEFAULT_REGION -e PLANETSCALE_SERVICE_TOKEN_ID \
#     -e PLANETSCALE_SERVICE_TOKEN -e PLANETSCALE_ORG credentials-mcp

FROM debian:12-slim AS build
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      build-essential cmake pkg-config ca-certificates \
      libboost1.81-dev libboost-json1.81-dev libcpp-httplib-dev libspdlog-dev libssl-dev \
      libvalijson-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY CMakeLists.txt ./
COPY cmake cmake
COPY server server
COPY tools tools
COPY schemas schemas
RUN cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DCMCP_BUILD_TESTS=OFF \
 && cmake --build build -j"$(nproc)" --target credentials-mcp \
 && strip build/credentials-mcp

FROM debian:12-slim
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      ca-certificates libboost-json1.81.0 libcpp-httplib0.11 libspdlog1.10 libfmt9 libssl3 \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --no-create-home --shell /usr/sbin/nologin mcp
COPY --from=build /src/build/credentials-mcp /usr/local/bin/credentials-mcp
USER 10001:10001
EXPOSE 9090
# Listening beyond loopback needs bearer tokens (CREDENTIALS_MCP_AUTH_TOKENS or
# --auth-token-file); without them the server refuses to start and says so.
# Requests must carry a Host of localhost / 127.0.0.1 unless --allowed-hosts says otherwise.
ENTRYPOINT ["credentials-mcp"]
CMD ["http", "--listen", "0.0.0.0:9090"]
