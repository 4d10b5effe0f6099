# Thin wrappers over CMake and CTest. `make run` and `make test` work on a fresh Debian 12.
BUILD_DIR ?= build
JOBS ?= $(shell nproc)

.PHONY: all deps build run test unit format clean

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

format:
	clang-format -i $$(git ls-files 'src/*.cpp' 'src/*.h' 'tests/*.cpp')

clean:
	rm -rf $(BUILD_DIR)
