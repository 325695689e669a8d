# tcpswarm in a Debian image: builds, runs the unit tests, installs into
# /usr (the same files as the .deb), and keeps only the installed tool.
#   docker build -t tcpswarm:0.1.0 .      (or podman build; see tools/image-check.sh)
#   docker run --rm tcpswarm:0.1.0 version
# The build context keeps .git (see .dockerignore) for the revision that
# `tcpswarm version` prints.
FROM debian:bookworm-slim AS build
# Tools, then the libraries the build links, one per line: a new library's
# -dev package gets a line of its own below zlib1g-dev, and
# its run-time package a line in the second stage's list.
RUN apt-get update && apt-get install -y --no-install-recommends \
		cmake gcc make libc6-dev git \
		libcmocka-dev \
		zlib1g-dev \
		libssl-dev \
	&& rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX=/usr -DTCPSWARM_WERROR=ON \
	&& cmake --build build -j"$(nproc)" \
	&& (cd build && ctest --output-on-failure -L unit) \
	&& DESTDIR=/out cmake --install build

FROM debian:bookworm-slim
# zlib1g is in the base system already
RUN apt-get update && apt-get install -y --no-install-recommends \
		iproute2 procps \
		libssl3 \
	&& rm -rf /var/lib/apt/lists/*
COPY --from=build /out/usr/ /usr/
ENTRYPOINT ["tcpswarm"]
CMD ["--help"]
