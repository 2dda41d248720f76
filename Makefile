# Thin wrapper over CMake.  `make` builds, `make run` sets up and runs,
# `make check` sets up and runs every test (normal and ASan+UBSan builds).
#
# A tree this Makefile configures first has no tests (BUILD_TESTING=OFF):
# running hawk needs only the runtime packages, and `make run` builds only
# the `hawk_runtime` target (hawk, the plugins, the web pages).  `make
# check` turns the tests on (with -Werror) in the same tree; `make run`
# afterwards still builds only what running needs.
BUILD      ?= build
ASAN_BUILD ?= build-asan
JOBS       ?= $(shell nproc 2>/dev/null || echo 2)
CONFIG     ?= etc/hawk.cfg
PREFIX     ?= /usr/local

.PHONY: all build run check check-fast deps deps-test bench clean format install

all: build

$(BUILD)/CMakeCache.txt:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBUILD_TESTING=OFF

# Configures (or reconfigures) a tree with the tests and -Werror.
TEST_CONFIG = -DBUILD_TESTING=ON -DHAWK_WERROR=ON

build: $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS)

deps:
	@scripts/install-deps.sh runtime

deps-test:
	@scripts/install-deps.sh test

run: deps
	@$(MAKE) --no-print-directory $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS) --target hawk_runtime
	./$(BUILD)/hawk serve -c $(CONFIG)

# Every test, in the normal build and in the ASan+UBSan build.
check: deps-test
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo $(TEST_CONFIG)
	cmake --build $(BUILD) -j $(JOBS)
	cd $(BUILD) && ctest --output-on-failure -j 2
	cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Asan -DHAWK_WEB=OFF $(TEST_CONFIG)
	cmake --build $(ASAN_BUILD) -j $(JOBS)
	cd $(ASAN_BUILD) && ctest --output-on-failure -j 2 -L 'unit|db|integration|plugins|browser'

# Normal build only (quicker loop while developing).
check-fast:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo $(TEST_CONFIG)
	cmake --build $(BUILD) -j $(JOBS)
	cd $(BUILD) && ctest --output-on-failure -j 2

# FHS install below PREFIX (DESTDIR prepended, for packages and images):
# the binary, plugins, the plugin SDK header and pkg-config file, config
# and templates under <sysconfdir>/hawk, the data directory, units.  The
# prefix is compiled in (plugin directory), so the tree is configured
# with it first.
install:
	cmake -S . -B $(BUILD) -DCMAKE_INSTALL_PREFIX=$(PREFIX)
	cmake --build $(BUILD) -j $(JOBS)
	DESTDIR="$(DESTDIR)" cmake --install $(BUILD)

bench: build
	bench/run-all.sh

format:
	@scripts/format.sh

clean:
	rm -rf $(BUILD) $(ASAN_BUILD)
