# pidfd_spawn: CLONE_EMPTY, pidfd_config() and libpidfd_spawn on Linux 6.12.
#
#   make demo    boot the patched kernel and show the API at work
#   make check   build everything and run every test suite
#
# See README.md.
TOP	:= $(CURDIR)
BUILD	:= $(TOP)/build
SRC	:= $(BUILD)/src
H	:= $(TOP)/harness
KHDR	:= $(BUILD)/obj-test/usr/include
KS	:= $(BUILD)/kselftest
SELFTESTS := pidfd clone3 pidfd_spawn

.PHONY: all check check-arm64 demo deps assemble kernel kernel-bench build-tests \
	selftests lib samples bench-build shell series bench clean help fuzz

all: build-tests

help:
	@sed -n '2,7p' Makefile

check:
	@$(H)/check.sh

check-arm64:
	@$(H)/check-arm64.sh

demo:
	@$(H)/demo.sh

deps:
	@$(H)/deps.sh

assemble: deps
	@$(H)/assemble.sh $(BUILD)

kernel: assemble
	@$(H)/build-kernel.sh $(BUILD) test

kernel-bench: assemble
	@$(H)/build-kernel.sh $(BUILD) bench

# Tests are built against the test kernel's exported headers.
build-tests: selftests lib samples bench-build

selftests:
	@test -d $(KHDR) || { echo "make kernel first"; exit 1; }
	@mkdir -p $(KS)
	@set -e; for t in $(SELFTESTS); do mkdir -p $(KS)/$$t; \
		$(MAKE) -s -C $(SRC)/tools/testing/selftests/$$t \
			OUTPUT=$(KS)/$$t KHDR_INCLUDES="-isystem $(KHDR)" \
			all >/dev/null; \
	done
	@for t in $(SELFTESTS); do \
		$(MAKE) -s --no-print-directory -C $(SRC)/tools/testing/selftests/$$t \
			OUTPUT=$(KS)/$$t KHDR_INCLUDES="-isystem $(KHDR)" \
			-f Makefile -f $(H)/print-tests.mk print-tests; \
	done > $(KS)/suites.txt
	@# The pidfd_spawn selftests once more as i386 programs (IA32_EMULATION);
	@# kselftest_harness.h casts pointer operands to uintmax_t, which -m32
	@# warns about.
	@mkdir -p $(KS)-32/pidfd_spawn
	@$(MAKE) -s -C $(SRC)/tools/testing/selftests/pidfd_spawn \
		CC="gcc -m32 -Wno-pointer-to-int-cast" OUTPUT=$(KS)-32/pidfd_spawn \
		KHDR_INCLUDES="-isystem $(KHDR)" all >/dev/null
	@$(MAKE) -s --no-print-directory -C $(SRC)/tools/testing/selftests/pidfd_spawn \
		OUTPUT=$(KS)-32/pidfd_spawn -f Makefile -f $(H)/print-tests.mk \
		print-tests > $(KS)-32/suites.txt

# make fuzz SECONDS=N [SEED=S]: the pidfd_spawn fuzzer alone, in the guest,
# for N seconds (20 by default); logs in build/logs-fuzz/.
fuzz: selftests
	@$(H)/fuzz.sh "$(SECONDS)" "$(SEED)"

lib:
	@$(MAKE) -s -C $(TOP)/tools/lib/pidfd_spawn OUTPUT=$(BUILD)/lib/

samples: lib
	@$(MAKE) -s -C $(TOP)/samples/pidfd_spawn OUTPUT=$(BUILD)/samples/ \
		LIBDIR=$(BUILD)/lib KHDR_INCLUDES="-isystem $(KHDR)"

bench-build: lib
	@$(MAKE) -s -C $(TOP)/bench OUTPUT=$(BUILD)/bench/ LIBDIR=$(BUILD)/lib

shell:
	@$(H)/run-guest --shell

series:
	@$(H)/series.sh $(BUILD)

bench:
	@$(H)/bench.sh

clean:
	rm -rf $(BUILD)
