# The two commands of the README, and a few helpers. Each installs what it needs.
.PHONY: deps demo check build release test fuzz format clean

JOBS ?= 2

demo:
	@bash scripts/deps.sh build
	@cmake --preset release >/dev/null
	@cmake --build --preset release -j $(JOBS)
	@./build/release/strata demo

check:
	@bash scripts/deps.sh test
	@bash scripts/peers.sh
	@cmake --preset dev >/dev/null
	@cmake --build --preset dev -j $(JOBS)
	@bash tests/fuzz/run-corpus.sh
	@ctest --preset dev -j $(JOBS)

build:
	@bash scripts/deps.sh test
	@cmake --preset dev >/dev/null
	@cmake --build --preset dev -j $(JOBS)

release:
	@bash scripts/deps.sh build
	@cmake --preset release >/dev/null
	@cmake --build --preset release -j $(JOBS)

format:
	@clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf build
