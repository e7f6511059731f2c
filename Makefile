# The two commands of the README, plus the pieces they are made of.
#   make demo   set up, build, run the default scenario and the cluster demo, print their summaries
#   make test   set up, build, run every test through ctest
#   make fuzz   set up, build, fuzz the scenario loader and the model build until Ctrl-C
#               (FUZZ="-n 1000000" or FUZZ="--seconds 600 -j 2" to bound it; scripts/fuzz.py -h)
SHELL := /bin/bash
BUILD ?= build/release
JOBS ?= 2
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: demo test fuzz setup configure build install bench asan clean

demo: install
	$(VENV)/bin/podwire run scenarios/default.yaml -o build/demo.h5
	$(VENV)/bin/podwire summary build/demo.h5
	$(VENV)/bin/podwire run scenarios/seed-web.yaml -o build/demo-cluster.h5

test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

FUZZ ?=
fuzz: build
	PYTHONPATH=$(BUILD)/python $(PY) scripts/fuzz.py $(FUZZ)

setup:
	@bash scripts/setup.sh

configure: setup
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Release \
	  -DPython_EXECUTABLE=$(abspath $(PY)) \
	  -Dpybind11_DIR="$$($(PY) -m pybind11 --cmakedir)"

build: configure
	cmake --build $(BUILD) -j $(JOBS)

# pip install into .venv through the same CMake project (scikit-build-core);
# the build folder is kept so that reinstalling is incremental.
install: setup
	$(PY) -m pip install -q --no-build-isolation -C build-dir=build/pip .

bench: setup
	cmake -S . -B build/bench -G Ninja -DCMAKE_BUILD_TYPE=Release -DPODWIRE_BUILD_TESTS=OFF \
	  -DPODWIRE_BUILD_PYTHON=OFF
	cmake --build build/bench -j $(JOBS)

# C++ tests under AddressSanitizer and UndefinedBehaviorSanitizer (the slowest
# validation tests, labelled "slow", run only in the plain build).
asan: setup
	cmake -S . -B build/asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DPODWIRE_SANITIZE=address,undefined \
	  -DPODWIRE_WERROR=ON -DPODWIRE_BUILD_BENCH=OFF -DPODWIRE_BUILD_PYTHON=OFF
	cmake --build build/asan -j $(JOBS)
	cd build/asan && ctest --output-on-failure -j $(JOBS) -LE slow

clean:
	rm -rf build
