# tcpswarm in a Debian image: builds, runs the unit tests, installs into
# /usr (the same files as the .deb), and keeps only the installed tool.
#   docker build -t tcpswarm .
#   docker run --rm tcpswarm version
FROM debian:bookworm-slim AS build
RUN apt-get update && apt-get install -y --no-install-recommends cmake gcc make libc6-dev libcmocka-dev zlib1g-dev libssl-dev git \
	&& rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX=/usr -DTCPSWARM_WERROR=ON \
	&& cmake --build build -j"$(nproc)" \
	&& (cd build && ctest --output-on-failure -L unit) \
	&& DESTDIR=/out cmake --install build

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends iproute2 procps libssl3 \
	&& rm -rf /var/lib/apt/lists/*
COPY --from=build /out/usr/ /usr/
ENTRYPOINT ["tcpswarm"]
CMD ["--help"]
