# Thin wrappers over CMake and CTest. `make run` and `make test` work on a fresh Debian 12.
BUILD_DIR ?= build
JOBS ?= $(shell nproc)

.PHONY: all deps build run test unit fuzz test-asan bench format clean

all: build

deps:
	./scripts/install-deps

$(BUILD_DIR)/Makefile: CMakeLists.txt
	cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=RelWithDebInfo

build: deps $(BUILD_DIR)/Makefile
	cmake --build $(BUILD_DIR) -j $(JOBS)

# The service with no configuration: 127.0.0.1:8000, SQLite and keys under ./data/.
run: build
	./$(BUILD_DIR)/authd

# Unit tests, then the black-box suite against SQLite and a private PostgreSQL.
test: build
	cd $(BUILD_DIR) && ctest --output-on-failure --timeout 1800

unit: build
	cd $(BUILD_DIR) && ctest --output-on-failure -R '^unit_'

# libFuzzer targets (clang, ASan + UBSan) into build-fuzz, each run FUZZ_SECONDS from a temporary
# copy of its seed corpus (tests/fuzz/corpus); fails on any crash, leak or UB report.
FUZZ_SECONDS ?= 60
fuzz: deps
	FUZZ_SECONDS=$(FUZZ_SECONDS) ./scripts/run-fuzzers

# authd and the unit tests built with g++ -fsanitize=address,undefined into build-asan, then the
# unit tests and the whole black-box suite (SQLite and PostgreSQL) against them.
test-asan: deps
	./scripts/test-asan

# The benchmark suite (bench/run): authd under wrk on SQLite, then PostgreSQL, beside an HTTP
# floor and an Argon2id floor; prints one table (docs/PERFORMANCE.md). BENCH_SECONDS per phase
# (10); BENCH_GROWTH=1 adds the 1,000,000-account run.
bench: deps $(BUILD_DIR)/Makefile
	BENCH_BUILD_DIR=$(BUILD_DIR) ./bench/run

format:
	clang-format -i $$(git ls-files 'src/*.cpp' 'src/*.h' 'tests/*.cpp')

clean:
	rm -rf $(BUILD_DIR)
