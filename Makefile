# p2pcd top-level build. Project C code uses mk/common.mk; the Kamailio
# module uses the Kamailio source tree's own build files.
#
#   make            build the library, the module, the tracker and the CLI
#   make deps       install every Debian package needed (root)
#   make test       install deps, build, run the whole suite (tests/run.sh)
#   make lab        install deps, build, start the lab and run its demo
#   make lab-stop   stop everything the lab started
#   make fuzz-long  run every fuzzer for 10 minutes
#   make format     clang-format the project's C code

TOP := $(CURDIR)
export TOP

.PHONY: all deps lib module tracker client test check lab lab-stop fuzz-long \
	format clean

all: lib module tracker client

deps:
	./scripts/install-deps.sh

lib:
	$(MAKE) -C lib

module:
	$(MAKE) -C modules/p2pcd

tracker: lib
	$(MAKE) -C tracker

client: lib
	$(MAKE) -C client

# The suites build what they need; `check` runs them without installing.
test: deps
	./tests/run.sh

check:
	./tests/run.sh

lab: deps all
	./scripts/lab.sh start
	./scripts/lab.sh demo

lab-stop:
	./scripts/lab.sh stop

fuzz-long:
	for d in tests/fuzz tests/fuzz/tracker tests/fuzz/drm tests/fuzz/client tests/fuzz/module; do \
		$(MAKE) -C $$d run FUZZ_SECONDS=600 || exit 1; \
	done

format:
	find lib tracker client tests/unit tests/fuzz modules/p2pcd \
		-name '*.[ch]' -print0 | xargs -0 -r clang-format -i

clean:
	rm -rf build
	-$(MAKE) -C modules/p2pcd clean
